// An entry module with an operator whose parent has two versions that convert (`operon crd`).
import 'reflect-metadata';
import { Operator, Sync } from '../../../../src/index.js';
import { Shard } from '../../../support/shard-versions.js';

@Operator({ parent: Shard, name: 'shards' })
export class ShardOperator {
  @Sync() sync() {
    return { status: {}, children: [] };
  }
}

export const operators = [ShardOperator];
