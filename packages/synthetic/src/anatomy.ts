import type { Findings, Side, Zone } from './findings.ts';
import type { Patient } from './patient.ts';
import type { Rng } from './prng.ts';

/** An ellipse in normalized image coordinates (u across, v down, both 0..1). */
export interface Ellipse {
  cu: number;
  cv: number;
  ru: number;
  rv: number;
}

/** Gaussian blob added to attenuation. */
export interface Blob {
  cu: number;
  cv: number;
  sigma: number;
  amplitude: number;
}

/**
 * Geometry of one synthetic PA chest film, sampled once per study. The image's left is the
 * patient's right (PA convention), so the "right" lung has the smaller u.
 */
export interface Anatomy {
  body: Ellipse;
  lungs: Record<Side, Ellipse>;
  heart: Ellipse;
  spineHalfWidth: number;
  boneDensity: number;
  markings: { amplitude: number; phases: number[]; freqs: number[] };
  ribPhase: number;
  breasts: Ellipse[];
  opacities: Blob[];
  /** Height (normalized) of the effusion above the lung base, per side; 0 when absent. */
  effusion: Record<Side, number>;
  /** Width of the pneumothorax rim at the lateral lung edge, per side; 0 when absent. */
  pneumothorax: Record<Side, number>;
  softTissue: number;
}

const ZONE_DEPTH: Record<string, number> = { upper: -0.5, middle: 0.0, lower: 0.45 };

function zoneBlob(rng: Rng, zone: Zone, lungs: Record<Side, Ellipse>): Blob {
  const [side, level] = zone.split(' ') as [Side, string];
  const lung = lungs[side];
  return {
    cu: lung.cu + rng.uniform(-0.3, 0.3) * lung.ru,
    cv: lung.cv + (ZONE_DEPTH[level] ?? 0) * lung.rv + rng.uniform(-0.08, 0.08) * lung.rv,
    sigma: rng.uniform(0.03, 0.045),
    amplitude: rng.uniform(0.26, 0.36),
  };
}

function sampleLungs(rng: Rng, width: number, cu: number, cv: number): Record<Side, Ellipse> {
  const offset = 0.165 * width;
  const rv = rng.uniform(0.24, 0.28);
  return {
    right: { cu: cu - offset, cv, ru: 0.125 * width * rng.uniform(0.95, 1.05), rv },
    left: { cu: cu + offset, cv: cv + 0.01, ru: 0.12 * width * rng.uniform(0.95, 1.05), rv: rv * 0.98 },
  };
}

/** Cardiothoracic ratio: normal < 0.5, enlarged > 0.5, with a clear margin so labels are unambiguous. */
function sampleHeart(rng: Rng, f: Findings, p: Patient, width: number, cu: number, cv: number): Ellipse {
  const ageShift = p.age >= 65 ? 0.02 : 0;
  const ctr = f.cardiomegaly ? rng.uniform(0.56, 0.64) : rng.uniform(0.38, 0.45) + ageShift;
  const thorax = 2 * (0.165 + 0.125) * width;
  return { cu: cu + 0.035 * width, cv: cv + 0.14, ru: (ctr * thorax) / 2, rv: rng.uniform(0.12, 0.14) };
}

/** Samples the anatomy: habitus (sex/age) shapes the thorax, findings add pathology. */
export function sampleAnatomy(rng: Rng, p: Patient, f: Findings): Anatomy {
  const width = p.habitus * (p.sex === 'F' ? 0.95 : 1.02);
  const cu = 0.5 + rng.uniform(-0.02, 0.02);
  const cv = 0.44 + rng.uniform(-0.02, 0.02);
  const lungs = sampleLungs(rng, width, cu, cv);
  const base = (s: Side): number => lungs[s].cv + lungs[s].rv;
  const effusionHeight = (s: Side): number =>
    f.effusion === s || f.effusion === 'bilateral' ? rng.uniform(0.1, 0.16) : 0;
  return {
    body: { cu, cv: cv + 0.12, ru: 0.44 * width, rv: 0.62 },
    lungs,
    heart: sampleHeart(rng, f, p, width, cu, cv),
    spineHalfWidth: 0.03 * width,
    boneDensity: 1.15 - 0.005 * (p.age - 18),
    markings: {
      amplitude: 0.03 + 0.0004 * p.age,
      phases: [0, 1, 2, 3].map(() => rng.uniform(0, 2 * Math.PI)),
      freqs: [0, 1, 2, 3].map(() => rng.uniform(25, 45)),
    },
    ribPhase: rng.uniform(0, 0.06),
    breasts: p.sex === 'F' ? (['right', 'left'] as const).map((s) => ({ cu: lungs[s].cu, cv: base(s) - 0.06, ru: 0.14 * width, rv: 0.11 })) : [],
    opacities: f.opacities.map((z) => zoneBlob(rng, z, lungs)),
    effusion: { right: effusionHeight('right'), left: effusionHeight('left') },
    pneumothorax: {
      right: f.pneumothorax === 'right' ? rng.uniform(0.035, 0.055) : 0,
      left: f.pneumothorax === 'left' ? rng.uniform(0.035, 0.055) : 0,
    },
    softTissue: 0.36 + 0.1 * (p.habitus - 1),
  };
}
