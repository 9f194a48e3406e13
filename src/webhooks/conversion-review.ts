import type { KubeObject } from '../types/kube-object.js';
import { MalformedReviewError, reviewRequest } from './admission-review.js';

/** The only ConversionReview version Operon serves; the CRD asks for it (`conversionReviewVersions: ['v1']`). */
export const CONVERSION_REVIEW_API_VERSION = 'apiextensions.k8s.io/v1';

/** The `request` of an `apiextensions.k8s.io/v1` ConversionReview. */
export interface ConversionRequest {
  /** Echoed in the response: the API server matches answers to requests by it. */
  readonly uid: string;
  /** `group/version` every object is to be converted to. */
  readonly desiredAPIVersion: string;
  /** The objects, possibly in several versions; the answer lists them converted, in the same order. */
  readonly objects: readonly KubeObject[];
}

/** The `response` of a ConversionReview. */
export interface ConversionResponse {
  readonly uid: string;
  /**
   * `Success`, or `Failed` with a message the API server passes on to the client whose read or write
   * needed the conversion.
   */
  readonly result: { readonly status: 'Success' | 'Failed'; readonly message?: string };
  /** Every object of the request in the desired version, in order; empty when the conversion failed. */
  readonly convertedObjects: readonly KubeObject[];
}

/** An `apiextensions.k8s.io/v1` ConversionReview as Operon answers it. */
export interface ConversionReviewResponse {
  readonly apiVersion: typeof CONVERSION_REVIEW_API_VERSION;
  readonly kind: 'ConversionReview';
  readonly response: ConversionResponse;
}

/**
 * Reads a ConversionReview request body and checks what Operon relies on.
 *
 * @remarks
 * Only `apiextensions.k8s.io/v1` is accepted, the version the generated CRD asks for; anything else is
 * a misconfigured or foreign caller, and the message says what was expected.
 *
 * @throws MalformedReviewError naming the first thing that is wrong (the server answers 400).
 */
export function parseConversionReview(body: string): ConversionRequest {
  const request = reviewRequest(
    body,
    'ConversionReview',
    CONVERSION_REVIEW_API_VERSION,
    'conversionReviewVersions',
  );
  if (typeof request.desiredAPIVersion !== 'string' || !request.desiredAPIVersion.includes('/'))
    throw new MalformedReviewError(
      `request.desiredAPIVersion ${JSON.stringify(request.desiredAPIVersion)} is not group/version`,
    );
  if (!Array.isArray(request.objects)) throw new MalformedReviewError('request.objects must be a list');
  const index = request.objects.findIndex((o) => !isRecord(o));
  if (index >= 0) throw new MalformedReviewError(`request.objects[${index}] is not an object`);
  return {
    uid: request.uid,
    desiredAPIVersion: request.desiredAPIVersion,
    objects: request.objects as KubeObject[],
  };
}

/** Wraps a response in the ConversionReview envelope the API server expects back. */
export function conversionReviewResponse(response: ConversionResponse): ConversionReviewResponse {
  return { apiVersion: CONVERSION_REVIEW_API_VERSION, kind: 'ConversionReview', response };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
