import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from './errors.ts';

const codes = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

/** The one error shape every endpoint returns: `{ error: { code, message, details?, requestId } }`. */
export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.enum(codes),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string(),
    }),
  })
  .meta({ id: 'ErrorResponse', description: 'Error envelope shared by every endpoint' });

export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;
