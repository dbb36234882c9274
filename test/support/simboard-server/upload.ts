/**
 * POST /api/v1/ingestions/from-hpc-upload, with SimBoard's checks in SimBoard's
 * order (CONTRACT.md): form fields 422 → role 403 → payload 422 → machine 404
 * → filename 400/500 → size 413 → extraction 409/500 → one case 400 → 201.
 */
import { type Role, requireStateAccess } from "./auth.ts";
import { extractTree } from "./archive-tree.ts";
import { type IngestResult, ingestTree } from "./ingest.ts";
import { resolveMachine } from "./machines.ts";
import { UnguardedReadError } from "./metadata.ts";
import { type FieldError, type Reply, ReplyError, detail, missingField, plainServerError, validationFailed } from "./replies.ts";
import { type Store, normalizeExecutionIds } from "./store.ts";
import { type TarMember, UnreadableArchiveError, readTarGz } from "./tar-reader.ts";

export const MAX_UPLOAD_BYTES = 52_428_800;

/** The multipart form as the handler sees it. */
export interface UploadForm {
  fields: [string, string][];
  file?: { filename: string; contentType: string; bytes: Uint8Array };
  /** the `file` part arrived as text (no filename parameter) */
  fileAsText?: string;
}

export interface UploadOptions {
  responseListName: "executions" | "simulations";
}

export function handleUpload(form: UploadForm, role: Role, store: Store, options: UploadOptions): Reply {
  const text = (name: string) => form.fields.find(([k]) => k === name)?.[1];
  const ids = form.fields.filter(([k]) => k === "processed_execution_ids").map(([, v]) => v);

  // FastAPI treats an empty text part of a required Form field as missing.
  const missing: FieldError[] = [];
  if (form.fileAsText !== undefined && form.fileAsText !== "") {
    missing.push({
      type: "value_error",
      loc: ["body", "file"],
      msg: "Value error, Expected UploadFile, received: <class 'str'>",
      input: form.fileAsText,
      ctx: { error: {} },
    });
  } else if (!form.file) missing.push(missingField("body", "file"));
  for (const name of ["machine_name", "case_path"]) if (!text(name)) missing.push(missingField("body", name));
  if (missing.length) return validationFailed(missing);

  requireStateAccess(role, "Only administrators and service accounts may upload automated HPC archives.");

  const machineName = text("machine_name") ?? "";
  const casePath = (text("case_path") ?? "").trim();
  const processedIds = normalizeExecutionIds(ids);
  const payloadErrors: FieldError[] = [];
  if (casePath === "") {
    payloadErrors.push({ type: "string_too_short", loc: ["case_path"], msg: "String should have at least 1 character", input: "", ctx: { min_length: 1 }, url: "https://errors.pydantic.dev/2.12/v/string_too_short" });
  }
  if (processedIds.length === 0) {
    payloadErrors.push({ type: "too_short", loc: ["processed_execution_ids"], msg: "List should have at least 1 item after validation, not 0", input: [], ctx: { field_type: "List", min_length: 1, actual_length: 0 }, url: "https://errors.pydantic.dev/2.12/v/too_short" });
  }
  if (payloadErrors.length) return validationFailed(payloadErrors);

  const machine = resolveMachine(machineName);
  if (!machine) return detail(404, `Machine '${machineName}' not found.`);

  const file = form.file!;
  if (!file.filename) return detail(400, "Filename is required");
  const lower = file.filename.toLowerCase();
  if (!lower.endsWith(".zip") && !lower.endsWith(".tar.gz") && !lower.endsWith(".tgz")) {
    return detail(400, "File must be a .zip, .tar.gz, or .tgz archive");
  }
  // SimBoard saves the upload as <tmpdir>/<filename>; a "/" names a missing directory and the error is unhandled.
  if (file.filename.includes("/")) return plainServerError();
  if (file.bytes.length > MAX_UPLOAD_BYTES) return detail(413, "File too large");
  // Format dispatch is case-sensitive, unlike the suffix check above.
  if (!file.filename.endsWith(".tar.gz") && !file.filename.endsWith(".tgz") && !file.filename.endsWith(".zip")) {
    return detail(409, `Unsupported archive format: /tmp/simboard-upload/${file.filename}`);
  }
  if (file.filename.endsWith(".zip")) return detail(500, "The local SimBoard test server does not read .zip archives.");

  let result: IngestResult;
  try {
    result = ingestTree(extractTree(readTarGz(file.bytes)), store, text("hpc_username"));
  } catch (err) {
    if (err instanceof ReplyError) return err.reply;
    if (err instanceof UnreadableArchiveError || err instanceof UnguardedReadError) return plainServerError();
    throw err;
  }

  const caseIds = new Set(result.created.map((c) => c.case.id));
  if (caseIds.size > 1) {
    return detail(400, `Automated HPC upload archives must contain exactly one case. Received created executions for multiple cases under '${casePath}'.`);
  }
  store.commit({ machine, sourceType: "hpc_upload", casePath, processedExecutionIds: processedIds }, result.created);
  return {
    status: 201,
    body: {
      created_count: result.created.length,
      duplicate_count: result.duplicateCount,
      [options.responseListName]: result.created.map((c) => ({
        id: crypto.randomUUID(),
        case_id: c.case.id,
        case_name: c.case.name,
        execution_id: c.executionId,
      })),
      errors: result.errors,
    },
  };
}

/** Members as recorded for tests; unreadable archives record none. */
export function listMembers(bytes: Uint8Array): Pick<TarMember, "path" | "type" | "size">[] {
  try {
    return readTarGz(bytes).map(({ path, type, size }) => ({ path, type, size }));
  } catch {
    return [];
  }
}
