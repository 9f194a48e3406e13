// An entry module that only imports decorated classes: the registry lists them.
import '../fixtures-operators.js';
