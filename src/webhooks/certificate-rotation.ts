import type { KeyPair } from '../observability/secure-serving/certificate.js';
import {
  type CertificateInfo,
  inspectCertificate,
  issueCa,
  issuedBy,
  issueServingCertificate,
  matchesKey,
  normaliseHost,
} from './certificates.js';

/** The webhook's certificates, as kept in its Secret. */
export interface CertificateState {
  /** The CA that signs new serving certificates. */
  readonly ca?: KeyPair;
  /**
   * PEM CA certificates the API server is told to trust (the `caBundle`): the signing CA first, then
   * older CAs until they expire, so certificates they signed stay trusted during a CA rotation.
   */
  readonly bundle: readonly string[];
  /** The certificate and key every replica serves. */
  readonly serving?: KeyPair;
}

/** How long certificates live and when they are renewed. */
export interface RotationPolicy {
  /** Lifetime of a new CA, in ms. */
  readonly caValidityMs: number;
  /** Lifetime of a new serving certificate, in ms (capped at its CA's expiry). */
  readonly certValidityMs: number;
  /** Renew a certificate when less than this fraction of its own lifetime remains. Default 1/3. */
  readonly renewFraction?: number;
}

/** Default {@link RotationPolicy}: a 10-year CA and 1-year serving certificates (open-policy-agent/cert-controller's), renewed with a third left. */
export const DEFAULT_ROTATION_POLICY: Required<RotationPolicy> = {
  caValidityMs: 10 * 365 * 86_400_000,
  certValidityMs: 365 * 86_400_000,
  renewFraction: 1 / 3,
};

/** What a check decided: why to issue a new CA and/or serving certificate; nothing set: all is well. */
export interface RotationPlan {
  /** Why a new CA is needed, if it is. */
  readonly newCa?: string;
  /** Why a new serving certificate is needed, if it is. */
  readonly newServing?: string;
  /**
   * Sign the new serving certificate with the CA being replaced: the API server may not trust the
   * new CA yet (the bundle naming it is written in the same step), while it does trust the old one.
   */
  readonly signWithPrevious?: boolean;
}

/**
 * New certificates are valid from up to an hour back, so a caller whose clock is a little behind
 * accepts them; never more than a tenth of their lifetime, or a short one would look due at once.
 */
const BACKDATE_MS = 60 * 60_000;

/**
 * Decides whether the CA and the serving certificate must be replaced, from what the Secret holds.
 *
 * @remarks
 * - The CA is replaced when it is missing, unreadable, not a CA, does not match its key, is not valid
 *   now, or has less than {@link RotationPolicy.renewFraction} of its lifetime left.
 * - The serving certificate is replaced when it is missing, unreadable, does not match its key, does
 *   not name every host the API server may call, was not signed by a CA that stays trusted, is not
 *   valid now, or has less than `renewFraction` of its lifetime left.
 * - A CA that is replaced while still valid stays in the bundle until it expires, and the serving
 *   certificate is left as it is unless it must change anyway — then it is signed by that old CA,
 *   which the API server already trusts, provided enough of the old CA's life remains. The next
 *   serving certificate is signed by the new CA, long after the bundle naming it was published.
 */
export function planRotation(
  state: CertificateState | undefined,
  hosts: readonly string[],
  now: Date,
  policy: RotationPolicy = DEFAULT_ROTATION_POLICY,
): RotationPlan {
  const fraction = policy.renewFraction ?? DEFAULT_ROTATION_POLICY.renewFraction;
  const ca = state?.ca;
  const caInfo = ca ? readable(ca.cert) : undefined;
  let caUsable = false;
  let newCa: string | undefined;
  if (!ca) newCa = 'there is no CA';
  else if (!caInfo) newCa = 'the CA certificate cannot be read';
  else if (!caInfo.isCA) newCa = 'the CA certificate is not a CA';
  else if (!matchesKey(ca.cert, ca.key)) newCa = 'the CA key does not match its certificate';
  else {
    const validity = checkValidity(caInfo, now, fraction, 'the CA');
    caUsable = validity.usable;
    newCa = validity.problem;
  }

  const trusted = trustedCas(state, now, caUsable && ca ? ca.cert : undefined);
  const serving = state?.serving;
  const servingInfo = serving ? readable(serving.cert) : undefined;
  const wanted = [...new Set(hosts.map(normaliseHost))];
  let newServing: string | undefined;
  if (!serving) newServing = 'there is no serving certificate';
  else if (!servingInfo) newServing = 'the serving certificate cannot be read';
  else if (!matchesKey(serving.cert, serving.key))
    newServing = 'the serving key does not match its certificate';
  else if (wanted.some((h) => !servingInfo.hosts.includes(h))) {
    const missing = wanted.filter((h) => !servingInfo.hosts.includes(h));
    newServing = `the serving certificate is not valid for ${missing.join(', ')}`;
  } else if (newCa && !caUsable) newServing = `its CA is being replaced (${newCa})`;
  else if (!trusted.some((c) => issuedBy(serving.cert, c)))
    newServing = 'the serving certificate was not signed by a trusted CA';
  else newServing = checkValidity(servingInfo, now, fraction, 'the serving certificate').problem;

  const previousLeft = caUsable && caInfo ? caInfo.notAfter.getTime() - now.getTime() : 0;
  const signWithPrevious =
    newCa !== undefined &&
    newServing !== undefined &&
    caUsable &&
    previousLeft > policy.certValidityMs * fraction;
  return {
    ...(newCa ? { newCa } : {}),
    ...(newServing ? { newServing } : {}),
    ...(signWithPrevious ? { signWithPrevious } : {}),
  };
}

/** Options of {@link applyRotation}. */
export interface IssueOptions {
  /** Hosts of the serving certificate. */
  readonly hosts: readonly string[];
  readonly now: Date;
  readonly policy?: RotationPolicy;
  /** Common name of a new CA; a timestamp is added so successive CAs are told apart. */
  readonly caName: string;
}

/**
 * Carries out a {@link RotationPlan}: issues what it asks for and returns the new state, with the
 * bundle holding the signing CA first and every older CA that has not expired.
 */
export async function applyRotation(
  state: CertificateState | undefined,
  plan: RotationPlan,
  options: IssueOptions,
): Promise<CertificateState> {
  const policy = options.policy ?? DEFAULT_ROTATION_POLICY;
  const now = options.now.getTime();
  const backdated = (validityMs: number) => new Date(now - Math.min(BACKDATE_MS, validityMs / 10));
  const previous = state?.ca;
  let ca = previous;
  if (plan.newCa || !ca) {
    ca = await issueCa({
      commonName: `${options.caName}@${Math.floor(now / 1000)}`,
      notBefore: backdated(policy.caValidityMs),
      notAfter: new Date(now + policy.caValidityMs),
    });
  }
  let serving = state?.serving;
  if (plan.newServing || !serving) {
    const signer = plan.signWithPrevious && previous ? previous : ca;
    serving = await issueServingCertificate(signer, {
      hosts: options.hosts,
      notBefore: backdated(policy.certValidityMs),
      notAfter: new Date(now + policy.certValidityMs),
    });
  }
  const older = trustedCas(state, options.now, previous?.cert).filter((c) => c !== ca.cert);
  return { ca, bundle: [ca.cert, ...older], serving };
}

/** The next moment a check could find something to renew: the earliest renewal point of the CA and serving certificate. */
export function nextRenewal(
  state: CertificateState,
  policy: RotationPolicy = DEFAULT_ROTATION_POLICY,
): Date | undefined {
  const fraction = policy.renewFraction ?? DEFAULT_ROTATION_POLICY.renewFraction;
  const times = [state.ca?.cert, state.serving?.cert]
    .map((pem) => (pem ? readable(pem) : undefined))
    .filter((i): i is CertificateInfo => i !== undefined)
    .map((i) => i.notAfter.getTime() - (i.notAfter.getTime() - i.notBefore.getTime()) * fraction);
  return times.length ? new Date(Math.min(...times)) : undefined;
}

/** The CAs of the bundle (and `current`) that are CAs and have not expired, each once, `current` first. */
function trustedCas(state: CertificateState | undefined, now: Date, current: string | undefined): string[] {
  const out: string[] = [];
  for (const pem of [current, ...(state?.bundle ?? [])]) {
    if (!pem || out.includes(pem)) continue;
    const info = readable(pem);
    if (info?.isCA && info.notAfter.getTime() > now.getTime()) out.push(pem);
  }
  return out;
}

function checkValidity(
  info: CertificateInfo,
  now: Date,
  fraction: number,
  what: string,
): { usable: boolean; problem?: string } {
  const t = now.getTime();
  if (t < info.notBefore.getTime())
    return { usable: false, problem: `${what} is not valid before ${info.notBefore.toISOString()}` };
  if (t >= info.notAfter.getTime())
    return { usable: false, problem: `${what} expired at ${info.notAfter.toISOString()}` };
  const lifetime = info.notAfter.getTime() - info.notBefore.getTime();
  if (info.notAfter.getTime() - t < lifetime * fraction) {
    return {
      usable: true,
      problem: `${what} expires at ${info.notAfter.toISOString()}, with less than ${Math.round(fraction * 100)} % of its lifetime left`,
    };
  }
  return { usable: true };
}

function readable(pem: string): CertificateInfo | undefined {
  try {
    return inspectCertificate(pem);
  } catch {
    return undefined;
  }
}
