// Runs a hand-written host at top level, without Operon.run (refused by OperonHost.start itself).
import 'reflect-metadata';
import { KubeConfig } from '@kubernetes/client-node';
import { collectOperatorConfig } from '../../../../src/config/index.js';
import { OperonHost } from '../../../../src/runtime/host/index.js';
import { GreetingOperator } from './greeting-operator.js';

const kubeConfig = new KubeConfig();
kubeConfig.loadFromClusterAndUser(
  { name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true },
  { name: 'u' },
);
const { config } = collectOperatorConfig(new GreetingOperator());
if (!config) throw new Error('GreetingOperator has no config');
const host = new OperonHost([config], { kubeConfig });
await host.start();
