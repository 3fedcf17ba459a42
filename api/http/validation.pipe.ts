import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError } from '../../metrics/platform/errors';

function flatten(errors: ValidationError[], prefix = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** DTO validation: unknown fields refused, values converted, every problem named by field in one 400. */
export const validationPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: (errors) => {
    const details = flatten(errors);
    return new DomainError(
      'invalid_parameter',
      details.map((d) => d.message).join('; ') || 'The request is not valid',
      details,
    );
  },
});
