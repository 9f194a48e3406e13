import { describeChange } from '../runtime/planner/json-diff.js';
import type { ClusterPlan, ParentPlan, PlannedChildChange, PlannedChildId, PlanSummary } from './types.js';

/**
 * A plan as people read it: one block per parent that would change or could not be planned (the
 * unchanged ones are only counted), then the summary line.
 *
 * @example
 * ```text
 * PlanDemo shop/web (operator plan-demo): would change
 *   ~ apply ConfigMap web-config
 *       ~ data.greeting: "hello web" → "hi web"
 *       - data.mode: "v1"
 *   + create ConfigMap web-extra
 *   - delete ConfigMap web-legacy
 *   ~ status
 *       ~ status.greeting: "hello web" → "hi web"
 *
 * 1 parent: 1 would change, 0 unchanged, 0 errors; 1 create, 1 update, 1 delete
 * ```
 */
export function formatPlan(plan: ClusterPlan): string {
  const blocks = plan.parents.filter((p) => p.outcome !== 'unchanged').map(formatParent);
  const head =
    blocks.length > 0
      ? blocks.join('\n')
      : `No changes: ${plan.summary.parents === 0 ? 'there is no parent to plan' : 'every parent is in the state the operators would make of it'}.\n`;
  return `${head}\n${summaryLine(plan.summary)}\n`;
}

/** One parent's block: a header line, then one line per change, field changes indented below. */
export function formatParent(p: ParentPlan): string {
  const { kind, namespace, name } = p.parent;
  const who = `${kind} ${namespace ? `${namespace}/` : ''}${name} (operator ${p.operator})`;
  if (p.outcome === 'error') {
    return `${who}: cannot be planned: ${p.error?.reason}: ${p.error?.message}\n`;
  }
  const lines = [`${who}: ${p.outcome === 'changes' ? 'would change' : 'no changes'}`];
  if (p.finalizer) {
    const sign = p.finalizer.op === 'add' ? '+' : '-';
    lines.push(`  ${sign} ${p.finalizer.op} finalizer ${p.finalizer.name} (${p.finalizer.why})`);
  }
  for (const c of p.children) lines.push(...childLines(c, namespace));
  if (p.deletionsHeld) {
    const { rule, message, approve } = p.deletionsHeld;
    const release =
      rule === 'window'
        ? `They would go once the window has room, or at once with: ${approve}`
        : `If they are intended: ${approve} (a spec change also releases them)`;
    lines.push(`  ! deletions held by the deletion budget: ${message}. ${release}`);
  }
  if (p.status.length > 0) {
    lines.push('  ~ status');
    for (const f of p.status) lines.push(`      ${describeChange(f)}`);
  }
  for (const note of p.notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}

const SIGN: Record<PlannedChildChange['action'], string> = {
  create: '+',
  apply: '~',
  replace: '~',
  recreate: '-/+',
  delete: '-',
  conflict: '!',
};

function childLines(c: PlannedChildChange, parentNamespace: string | undefined): string[] {
  const head = `  ${SIGN[c.action]} ${c.action} ${childName(c, parentNamespace)}`;
  switch (c.action) {
    case 'create':
      return [head];
    case 'delete':
      return [c.held ? `${head} (held by the deletion budget)` : head];
    case 'conflict':
      return [`${head}: ${c.message}`];
    default:
      return [
        c.action === 'recreate' ? `${head} (delete, then create)` : head,
        ...c.fields.map((f) => `      ${describeChange(f)}`),
        ...(c.note ? [`      note: ${c.note}`] : []),
      ];
  }
}

/** `Kind name`, with the namespace only when it is not the parent's (a tracked child). */
function childName(c: PlannedChildId, parentNamespace: string | undefined): string {
  const ns = c.namespace && c.namespace !== parentNamespace ? `${c.namespace}/` : '';
  return `${c.kind} ${ns}${c.name}`;
}

/**
 * `N parents: X would change, Y unchanged, Z errors; a creates, b updates, c deletes`, with held
 * deletes, recreates, conflicts and status writes added when there are any.
 */
export function summaryLine(s: PlanSummary): string {
  const extra = [
    s.heldDeletes > 0 ? count(s.heldDeletes, 'held delete') : '',
    s.recreates > 0 ? count(s.recreates, 'recreate') : '',
    s.conflicts > 0 ? count(s.conflicts, 'conflict') : '',
    s.statusChanges > 0 ? count(s.statusChanges, 'status write') : '',
  ].filter(Boolean);
  return (
    `${count(s.parents, 'parent')}: ${s.changing} would change, ${s.unchanged} unchanged, ${count(s.errors, 'error')}; ` +
    [count(s.creates, 'create'), count(s.updates, 'update'), count(s.deletes, 'delete'), ...extra].join(', ')
  );
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
