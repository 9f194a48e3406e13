// The test kit's own helpers, which authors use too: one implementation for the core's tests, the
// Nest adapter's and theirs.
export { eventually } from '../../src/testkit/eventually.js';
export {
  type TestNamespace as TestCluster,
  useTestNamespace as useTestCluster,
} from '../../src/testkit/test-namespace.js';
