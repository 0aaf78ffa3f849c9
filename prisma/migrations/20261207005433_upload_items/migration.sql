-- CreateTable
CREATE TABLE "UploadItem" (
    "uploadId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "instanceId" UUID,
    "duplicate" TEXT,
    "errorCode" TEXT,
    "message" TEXT,

    CONSTRAINT "UploadItem_pkey" PRIMARY KEY ("uploadId","position")
);

-- AddForeignKey
ALTER TABLE "UploadItem" ADD CONSTRAINT "UploadItem_uploadId_fkey" FOREIGN KEY ("uploadId") REFERENCES "Upload"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

