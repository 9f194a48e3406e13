// An entry module with invalid decorator use: no @Sync, and a name that is not a DNS label.
import { Operator } from '../../../../src/decorators/index.js';

@Operator({ group: 'example.com', version: 'v1', kind: 'Broken', name: 'Broken_Name' })
export class BrokenOperator {}
