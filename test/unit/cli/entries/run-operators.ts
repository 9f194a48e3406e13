// The production entry point called at top level, without any server (refused by runOperators).
import 'reflect-metadata';
import { KubeConfig } from '@kubernetes/client-node';
import { Container } from 'inversify';
import { runOperators } from '../../../../src/app/index.js';
import { GreetingOperator } from './greeting-operator.js';

const kubeConfig = new KubeConfig();
kubeConfig.loadFromClusterAndUser(
  { name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true },
  { name: 'u' },
);
const container = new Container();
container.bind(GreetingOperator).toSelf();
await runOperators(container, { kubeConfig, healthServer: false, metricsServer: false, signals: [] });
