// A parent with two versions, as the README's "Versions" section writes it: v1alpha1 says
// `hostPort: "host:port"`, v1 (the hub) says `host` and `port` apart and adds `tls`, which v1alpha1
// cannot hold, so v1alpha1 keeps it in an annotation for lossless round trips.
import 'reflect-metadata';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import {
  type ConversionInput,
  type ConversionOutput,
  type CustomResourceVersion,
  customResource,
  type VersionConversion,
} from '../../src/types/index.js';

export class ShardSpecV1alpha1 {
  @IsString() @Matches(/^[a-z0-9.-]+:[0-9]+$/) hostPort!: string;
  @IsInt() @Min(1) replicas = 1;
}

export class ShardSpecV1 {
  @IsString() host!: string;
  @IsInt() @Min(1) @Max(65_535) port!: number;
  @IsInt() @Min(1) replicas = 1;
  @IsOptional() @IsBoolean() tls?: boolean;
}

/** Where v1alpha1 keeps v1's `tls`, which it has no field for. */
export const TLS_ANNOTATION = 'versions.operon.test/tls';

export const shardV1alpha1: VersionConversion<ShardSpecV1alpha1, ShardSpecV1> = {
  toHub(o: ConversionInput<ShardSpecV1alpha1>): ConversionOutput<ShardSpecV1> {
    const { [TLS_ANNOTATION]: tls, ...annotations } = o.metadata.annotations ?? {};
    const [host = '', port = '0'] = (o.spec?.hostPort ?? '').split(':');
    return {
      ...o,
      metadata: { annotations },
      spec: {
        host,
        port: Number(port),
        replicas: o.spec?.replicas ?? 1,
        ...(tls === undefined ? {} : { tls: tls === 'true' }),
      },
    };
  },
  fromHub(o: ConversionInput<ShardSpecV1>): ConversionOutput<ShardSpecV1alpha1> {
    const annotations = { ...o.metadata.annotations };
    if (o.spec?.tls !== undefined) annotations[TLS_ANNOTATION] = String(o.spec.tls);
    return {
      ...o,
      metadata: { annotations },
      spec: { hostPort: `${o.spec?.host}:${o.spec?.port}`, replicas: o.spec?.replicas ?? 1 },
    };
  },
};

export class ShardStatus {
  @IsOptional() @IsString() endpoint?: string;
}

export const SHARD_VERSIONS: readonly CustomResourceVersion[] = [
  { name: 'v1alpha1', spec: ShardSpecV1alpha1, convert: shardV1alpha1, storage: true },
  { name: 'v1', spec: ShardSpecV1 },
];

/** Stored as v1alpha1, converted through the hub v1, which the operator works with. */
export const Shard = customResource<ShardSpecV1, ShardStatus>({
  group: 'versions.operon.test',
  kind: 'Shard',
  version: 'v1',
  status: ShardStatus,
  versions: SHARD_VERSIONS,
});
