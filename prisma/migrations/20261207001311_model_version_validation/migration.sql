-- The evaluation gate's record on versions a fine-tuning job registered (packages/registry).
-- AlterTable
ALTER TABLE "ModelVersion" ADD COLUMN     "validatedAt" TIMESTAMPTZ(3),
ADD COLUMN     "validation" JSONB;
