// The operator the sharding tests run in several processes: a Tile owns exactly three children
// (a ConfigMap, a Secret and a headless Service), so "3 children per parent, no duplicates" is
// checkable. A module that only defines it, for `operon run --shard <this file>`.
import 'reflect-metadata';
import type { V1ConfigMap, V1Secret, V1Service } from '@kubernetes/client-node';
import { IsInt, IsOptional } from 'class-validator';
import {
  Child,
  type ChildRef,
  customResource,
  Operator,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from '../../src/index.js';
import { ConfigMap, Secret, Service } from '../../src/types/index.js';

export class TileSpec {
  /** Changes every child; the edit bursts bump it. */
  @IsOptional() @IsInt() round?: number;
}

export const Tile = customResource({ group: 'shard.test', version: 'v1', kind: 'Tile', spec: TileSpec });

export const tilePath = (ns: string, name = '') =>
  `/apis/shard.test/v1/namespaces/${ns}/tiles${name ? `/${name}` : ''}`;

@Operator({ parent: Tile, name: 'tile' })
export class TileOperator {
  @Child(ConfigMap, 'apply') configMaps!: ChildRef<V1ConfigMap>;
  @Child(Secret, 'apply') secrets!: ChildRef<V1Secret>;
  @Child(Service, 'apply') services!: ChildRef<V1Service>;

  @Sync()
  sync(req: SyncRequest<TileSpec>): SyncResponse {
    const name = req.parent.metadata.name;
    const round = String(req.parent.spec.round ?? 0);
    return {
      children: [
        this.configMaps.desired({ metadata: { name }, data: { round } }),
        this.secrets.desired({ metadata: { name }, data: { round: Buffer.from(round).toString('base64') } }),
        this.services.desired({
          metadata: { name },
          spec: { clusterIP: 'None', selector: { tile: name }, ports: [{ port: 80 }] },
        }),
      ],
      status: { round: req.parent.spec.round ?? 0 },
    };
  }
}
