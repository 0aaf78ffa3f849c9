import { z } from 'zod';

// WADO-RS path and query shapes (PS3.18 10.4 retrieve, 9.5 rendered). UIDs are de-identified ones.

const Uid = z.string().regex(/^[0-9.]{1,64}$/, 'a DICOM UID (digits and dots, at most 64)');
const NUMBER = String.raw`-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;

export const WadoStudyParamsSchema = z.object({ study: Uid });
export const WadoSeriesParamsSchema = WadoStudyParamsSchema.extend({ series: Uid });
export const WadoInstanceParamsSchema = WadoSeriesParamsSchema.extend({ sop: Uid });

/** `{frames}`: 1-based frame numbers, comma-separated (PS3.18 10.4.1.1.3 frameList). */
export const WadoFramesParamsSchema = WadoInstanceParamsSchema.extend({
  frames: z
    .string()
    .max(8000)
    .regex(/^\d{1,9}(,\d{1,9})*$/, 'frame numbers counted from 1, comma-separated (e.g. 1,3,5)')
    .describe('Frame numbers, 1-based, comma-separated'),
});

/** Rendering query parameters (PS3.18 8.3.5.1) that medgrade supports. */
export const WadoRenderedQuerySchema = z.object({
  window: z
    .string()
    .regex(new RegExp(`^${NUMBER},${NUMBER}(,(linear|linear-exact|sigmoid))?$`, 'i'), 'center,width[,function] with function linear, linear-exact or sigmoid')
    .optional()
    .describe('VOI window: center,width[,function]; function linear (default), linear-exact or sigmoid. Default: the header window, else the frame\'s value range'),
  viewport: z
    .string()
    .regex(/^\d{1,5},\d{1,5}$/, 'vw,vh in pixels (the vw,vh,sx,sy,sw,sh form is not supported)')
    .optional()
    .describe('vw,vh: scale the image to fit vw × vh pixels, aspect ratio kept (at most 4096 each)'),
  quality: z.coerce.number().int().min(1).max(100).optional().describe('JPEG quality 1-100 (default 90); ignored for PNG'),
  accept: z.string().max(200).optional().describe('Rendered media type (image/png or image/jpeg); overrides the Accept header'),
});

/** WADO-RS study/series/instance retrieval: Part 10 files, one per part. */
export const DICOM_MULTIPART = ['multipart/related; type="application/dicom"'] as const;
/** WADO-RS frames: uncompressed by default, the stored compressed media type with transfer-syntax=*. */
export const FRAME_MEDIA_TYPES = ['multipart/related; type="application/octet-stream"', 'multipart/related; type="image/jpeg"', 'multipart/related'] as const;
/** WADO-RS rendered images. */
export const RENDERED_MEDIA_TYPES = ['image/png', 'image/jpeg'] as const;

/** `{tag}` of a bulk data URI: a top-level attribute tag, 8 hex digits (as /metadata lists it). */
export const WadoBulkdataParamsSchema = WadoInstanceParamsSchema.extend({
  tag: z.string().regex(/^[0-9A-Fa-f]{8}$/, 'an attribute tag, 8 hex digits (e.g. 7FE00010)'),
});
