// An entry module whose `operators` export holds a class that is not an operator.
export class NotAnOperator {}
export const operators = [NotAnOperator];
