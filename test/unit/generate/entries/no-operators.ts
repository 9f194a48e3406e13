// An entry module that defines no operator.
export const nothing = 1;
