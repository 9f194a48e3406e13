// An entry module exporting a hand-written config.
import { kitchenConfig } from '../fixtures-operators.js';

export const configs = [kitchenConfig];
