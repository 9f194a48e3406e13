// A Database names the Secret that holds its password. Operon watches the Secrets' metadata for it
// (one watch, shared by every operator of the process that relates to Secrets), runs the Database
// again whenever that Secret is created, changed or deleted, and reads that one Secret in full
// before sync; sync itself never calls the API server.
import { createHash } from 'node:crypto';
import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import { IsString, MinLength } from 'class-validator';
import {
  Child,
  type ChildRef,
  customResource,
  Operator,
  type Parent,
  Related,
  type RelatedRef,
  Sync,
  type SyncRequest,
  type SyncResponse,
} from 'operon';
import { Pod, Secret } from 'operon/types';

export class DatabaseSpec {
  /** A Secret in the Database's namespace with the key `password`; created by the user, never by Operon. */
  @IsString()
  @MinLength(1)
  passwordSecret!: string;
}

export interface DatabaseStatus {
  /** `found`, or why the database is not running. */
  password: string;
}

export const DatabaseResource = customResource<DatabaseSpec, DatabaseStatus>({
  group: 'example.com',
  version: 'v1alpha1',
  kind: 'Database',
  spec: DatabaseSpec,
  printerColumns: [{ name: 'Password', type: 'string', jsonPath: '.status.password' }],
});

/**
 * Runs one postgres Pod per Database, once its password Secret exists. The Pod reads the password
 * itself (`secretKeyRef`); the operator reads the Secret to wait for it and to recreate the Pod when
 * the password changes (a hash of it is a Pod annotation).
 */
@Operator({ parent: DatabaseResource })
export class DatabaseOperator {
  @Related(Secret, (db: Parent<DatabaseSpec>) => ({ name: db.spec.passwordSecret }))
  password!: RelatedRef<V1Secret>;

  @Child(Pod, 'recreate') server!: ChildRef<V1Pod>;

  @Sync()
  sync(req: SyncRequest<DatabaseSpec>): SyncResponse<DatabaseStatus> {
    const { metadata, spec } = req.parent;
    const password = req.related(this.password)?.data?.password;
    if (!password) {
      // No Pod until the password exists: returning no child also removes one made before.
      return {
        children: [],
        status: { password: `waiting for Secret ${spec.passwordSecret} with the key "password"` },
      };
    }
    const hash = createHash('sha256').update(password).digest('hex').slice(0, 16);
    const pod = this.server.desired({
      metadata: {
        name: `${metadata.name}-db`,
        labels: { 'example.com/database': metadata.name },
        annotations: { 'example.com/password-hash': hash },
      },
      spec: {
        containers: [
          {
            name: 'postgres',
            image: 'postgres:17',
            env: [
              {
                name: 'POSTGRES_PASSWORD',
                valueFrom: { secretKeyRef: { name: spec.passwordSecret, key: 'password' } },
              },
            ],
          },
        ],
      },
    });
    return { children: [pod], status: { password: 'found' } };
  }
}
