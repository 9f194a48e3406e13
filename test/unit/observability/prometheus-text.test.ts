import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrometheusText, sampleValue } from '../../../src/observability/metrics/prometheus-text.js';

const valid = `# HELP req_total Requests.
# TYPE req_total counter
req_total{code="200",path="/a\\"b\\\\c\\nd"} 3
req_total{code="500",path="/"} 0
# HELP lat Latency.
# TYPE lat histogram
lat_bucket{le="0.1"} 1
lat_bucket{le="1"} 2
lat_bucket{le="+Inf"} 2
lat_sum 0.6
lat_count 2
up 1 1700000000000
`;

describe('parsePrometheusText', () => {
  it('parses families, types, escaped label values and histograms', () => {
    const f = parsePrometheusText(valid);
    assert.deepEqual(
      f.map((x) => [x.name, x.type]),
      [
        ['req_total', 'counter'],
        ['lat', 'histogram'],
        ['up', 'untyped'],
      ],
    );
    assert.equal(sampleValue(f, 'req_total', { code: '200', path: '/a"b\\c\nd' }), 3);
    assert.equal(sampleValue(f, 'lat_count'), 2);
    assert.equal(sampleValue(f, 'lat_bucket', { le: '+Inf' }), 2);
    assert.equal(sampleValue(f, 'up'), 1);
    assert.equal(sampleValue(f, 'missing'), undefined);
  });

  const broken: [string, string, RegExp][] = [
    ['a malformed sample', 'x{a="1" 2\n', /not a sample line|unterminated|expected/],
    ['an unknown escape', 'x{a="\\t"} 1\n', /invalid escape/],
    ['a bad value', 'x 1.2.3\n', /invalid value/],
    ['a duplicate series', 'x{a="1"} 1\nx{a="1"} 2\n', /duplicate series/],
    ['interleaved families', 'x 1\ny 1\nx{a="2"} 1\n', /not contiguous/],
    ['a TYPE after samples', 'x 1\n# TYPE x gauge\n', /TYPE of x after its samples/],
    ['a negative counter', '# TYPE x counter\nx -1\n', /negative counter/],
    [
      'buckets that are not cumulative',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1\n',
      /not cumulative/,
    ],
    [
      'a count that differs from +Inf',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3\nh_sum 1\n',
      /_count 3 differs/,
    ],
    [
      'a histogram without +Inf',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_count 2\nh_sum 1\n',
      /no \+Inf bucket/,
    ],
  ];
  for (const [what, text, error] of broken) {
    it(`rejects ${what}`, () => {
      assert.throws(() => parsePrometheusText(text), error);
    });
  }
});
