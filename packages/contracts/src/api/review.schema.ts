import { z } from 'zod';
import { TimestampSchema } from './common.schema.ts';

// Burned-in review (GET /v1/review, POST /v1/review/{instanceId}/approve|reject). A reviewer's
// reason is free text stored in the audit trail: it must describe the decision, not the patient.

/** GET /v1/review: a page of instances awaiting review, oldest upload first. */
export const ReviewListQuerySchema = z.object({
  projectId: z.uuid().optional().describe('Only this project\'s instances (a project of the key\'s scope)'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional().describe('nextCursor of the previous page'),
});

/** An instance held because burned-in text is likely; its raw upload is kept until decided or expired. */
export const ReviewItemSchema = z.object({
  id: z.uuid().describe('Instance id'),
  projectId: z.uuid(),
  uploadId: z.uuid().nullable(),
  sopClassUid: z.string().nullable().describe('SOP Class UID (why burned-in text is likely, with the modality)'),
  reason: z.literal('BURNED_IN_REVIEW'),
  uploadedAt: TimestampSchema,
  expiresAt: TimestampSchema.describe('Undecided by then, the instance ends REJECTED REVIEW_EXPIRED and its raw upload is deleted (RAW_RETENTION_HOURS)'),
});

/** Digit runs (record numbers, dates) and control characters: what a reason must not carry. */
const IDENTIFIER_LIKE = /\d{4,}|\d{1,2}[./-]\d{1,2}[./-]\d{2}/;
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A reviewer's reason: 3-500 characters, no control characters, nothing that looks like an identifier or a date. */
export const ReviewReasonSchema = z
  .string()
  .trim()
  .min(3)
  .max(500)
  .refine((s) => !CONTROL.test(s), 'the reason must be one line of text without control characters')
  .refine((s) => !IDENTIFIER_LIKE.test(s), 'the reason must not carry identifiers or dates (no runs of 4 or more digits, no dates): describe the decision, not the patient')
  .describe('Why (recorded in the audit trail, never logged): describe the decision, never the patient (no names, record numbers or dates)');

/** Body of approve and reject. */
export const ReviewDecisionBodySchema = z.object({ reason: ReviewReasonSchema }).strict();

/** What a decision did. */
export const ReviewDecisionSchema = z.object({
  id: z.uuid(),
  decision: z.enum(['approved', 'rejected']),
  status: z.enum(['RECEIVED', 'REJECTED']).describe('RECEIVED: queued for de-identification with the pixel data kept; REJECTED: raw upload deleted'),
  errorCode: z.literal('REVIEW_REJECTED').nullable(),
});

export type ReviewListQuery = z.infer<typeof ReviewListQuerySchema>;
