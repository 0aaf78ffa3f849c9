import { z } from 'zod';
import { TimestampSchema } from './common.schema.ts';

// Burned-in review (GET /v1/review, GET /v1/review/{instanceId}/preview, POST
// /v1/review/{instanceId}/approve|reject). A reviewer's reason is a code stored in the audit trail.

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

/**
 * Why a reviewer decided as they did: a code, never free text (a note could carry what the reviewer
 * read in the pixels, and decisions are kept in the audit trail).
 */
export const ReviewReasonCodeSchema = z
  .enum(['NO_TEXT_VISIBLE', 'TEXT_NOT_IDENTIFYING', 'TEXT_IDENTIFYING', 'IMAGE_UNUSABLE', 'OTHER'])
  .describe('NO_TEXT_VISIBLE: no burned-in text; TEXT_NOT_IDENTIFYING: text that identifies nobody (a ruler, a laterality marker); TEXT_IDENTIFYING: text that could identify the patient; IMAGE_UNUSABLE: not usable whatever the text; OTHER. Recorded in the audit trail');

/** Body of approve and reject. */
export const ReviewDecisionBodySchema = z.object({ reasonCode: ReviewReasonCodeSchema }).strict();

/** What a decision did. */
export const ReviewDecisionSchema = z.object({
  id: z.uuid(),
  decision: z.enum(['approved', 'rejected']),
  status: z.enum(['RECEIVED', 'REJECTED']).describe('RECEIVED: queued for de-identification with the pixel data kept; REJECTED: raw upload deleted'),
  errorCode: z.literal('REVIEW_REJECTED').nullable(),
});

export type ReviewListQuery = z.infer<typeof ReviewListQuerySchema>;
export type ReviewReasonCode = z.infer<typeof ReviewReasonCodeSchema>;
