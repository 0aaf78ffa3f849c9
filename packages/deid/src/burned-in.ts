// Burned-in text risk from the header alone (pixel OCR is out of scope): the decision follows the
// project's policy. Modalities and SOP classes that usually carry text in the pixels count as risky
// unless the header explicitly says BurnedInAnnotation NO.
import type { BurnedInPolicy } from './options.ts';

/** What the caller must do with the output: nothing, hold it for human review, or store it flagged. */
export type BurnedInDecision = 'none' | 'quarantine' | 'flag';

export interface BurnedInAssessment {
  risk: boolean;
  /** Why there is a risk (header reason, never a value beyond the coded ones). */
  reason: 'burned-in-annotation' | 'modality' | 'sop-class' | undefined;
  decision: BurnedInDecision;
}

// Ultrasound, endoscopy/photography, secondary capture, documents and scanned material.
const RISKY_MODALITIES = new Set(['US', 'ES', 'XC', 'GM', 'SC', 'OT', 'DOC', 'IVUS', 'OP', 'SM', 'DG']);
const RISKY_SOP_CLASS_PREFIXES = [
  '1.2.840.10008.5.1.4.1.1.7', // Secondary Capture (and its multi-frame variants)
  '1.2.840.10008.5.1.4.1.1.6', // Ultrasound (6.1 image, 6.2 enhanced volume)
  '1.2.840.10008.5.1.4.1.1.3.1', // Ultrasound Multi-frame (retired)
  '1.2.840.10008.5.1.4.1.1.77.1', // Visible Light (endoscopy, photography, video)
  '1.2.840.10008.5.1.4.1.1.104', // Encapsulated PDF/CDA/STL
];

export interface BurnedInHeader {
  burnedInAnnotation: string | undefined;
  modality: string | undefined;
  sopClassUid: string | undefined;
}

/** Assesses the risk and applies the policy; 'reject' is the caller's to enforce (it throws). */
export function assessBurnedIn(header: BurnedInHeader, policy: BurnedInPolicy): BurnedInAssessment {
  const reason = riskReason(header);
  if (reason === undefined) return { risk: false, reason, decision: 'none' };
  return { risk: true, reason, decision: policy === 'flag' ? 'flag' : 'quarantine' };
}

function riskReason(h: BurnedInHeader): BurnedInAssessment['reason'] {
  const flag = h.burnedInAnnotation?.trim().toUpperCase();
  if (flag === 'YES') return 'burned-in-annotation';
  if (flag === 'NO') return undefined;
  if (h.modality !== undefined && RISKY_MODALITIES.has(h.modality.trim().toUpperCase())) return 'modality';
  const sop = h.sopClassUid?.trim();
  if (sop !== undefined && RISKY_SOP_CLASS_PREFIXES.some((p) => sop === p || sop.startsWith(`${p}.`))) return 'sop-class';
  return undefined;
}
