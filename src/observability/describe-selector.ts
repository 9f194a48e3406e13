/**
 * A selector as logs and health checks show it: a set term with more than 8 values keeps only their
 * count (`operon.dev/shard-bucket in (2048 values)`), since sharding selects buckets by thousands.
 */
export function describeSelector(selector: string): string {
  return selector.replace(/\(([^()]*)\)/g, (whole, values: string) => {
    const n = values.split(',').length;
    return n > 8 ? `(${n} values)` : whole;
  });
}
