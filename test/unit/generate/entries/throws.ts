// An entry module whose import fails.
export const value: number = (() => {
  throw new Error('boom while importing');
})();
