// A cross-field rule that neither the CRD schema nor CEL-from-decorators expresses, for the tests
// of where class-validator's own rules run (before sync, and in the validating webhook).
import { registerDecorator, type ValidationArguments } from 'class-validator';

/** `@AtMost('other')`: this number must not exceed the sibling property `other`. */
export function AtMost(other: string) {
  return (target: object, property: string) =>
    registerDecorator({
      name: 'atMost',
      target: target.constructor,
      propertyName: property,
      constraints: [other],
      options: { message: `$property ($value) must not be greater than ${other}` },
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          typeof value === 'number' && value <= (args.object as Record<string, number>)[other]!,
      },
    });
}
