/** SimBoard answers 413 above 52,428,800 bytes (50 MiB). */
export const SERVER_UPLOAD_LIMIT = 50 * 1024 * 1024;

/** Room for the multipart envelope and the text parts around the archive. */
export const ARCHIVE_LIMIT = SERVER_UPLOAD_LIMIT - 256 * 1024;
