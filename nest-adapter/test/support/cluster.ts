// The cluster an integration test runs on: the one `npm test` starts (OPERON_TEST_KUBECONFIG), with a
// namespace of the test file's own, so files never see each other's objects. The test kit's helper,
// shared with the core's tests.
export {
  eventually,
  type TestNamespace as TestCluster,
  useTestNamespace as useTestCluster,
} from 'operon/testkit';
