/**
 * In-memory reader of .tar.gz uploads: gunzip, then ustar/GNU/pax headers,
 * with Python `tarfile` semantics where SimBoard depends on them (member names
 * lose trailing slashes, an invalid header after the first ends the archive).
 */
import { gunzipSync } from "node:zlib";

export type MemberType = "file" | "directory" | "symlink" | "hardlink" | "other";

export interface TarMember {
  /** name as tarfile reports it: pax/GNU long names applied, trailing "/" removed */
  path: string;
  type: MemberType;
  size: number;
  data: Uint8Array;
}

/** The upload is not gzip, or its tar stream is unreadable; SimBoard fails with 500. */
export class UnreadableArchiveError extends Error {}

const BLOCK = 512;
const decoder = new TextDecoder();

export function readTarGz(bytes: Uint8Array): TarMember[] {
  let tar: Uint8Array;
  try {
    tar = gunzipSync(bytes);
  } catch (err) {
    throw new UnreadableArchiveError(`not a gzip file: ${(err as Error).message}`);
  }
  return readTar(tar);
}

export function readTar(tar: Uint8Array): TarMember[] {
  const members: TarMember[] = [];
  let offset = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header)) {
      if (offset === 0) throw new UnreadableArchiveError("bad checksum");
      break;
    }
    const flag = String.fromCharCode(header[156] ?? 0);
    const size = Number(pax.size ?? readNumber(header.subarray(124, 136)));
    const dataStart = offset + BLOCK;
    if (dataStart + size > tar.length) throw new UnreadableArchiveError("unexpected end of data");
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (flag === "L") {
      longName = cString(data);
      continue;
    }
    if (flag === "x") {
      pax = parsePax(data);
      continue;
    }
    if (flag === "g" || flag === "K") continue;

    const prefix = cString(header.subarray(345, 500));
    const rawName = pax.path ?? longName ?? (isUstar(header) && prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
    const type = memberType(flag, rawName);
    members.push({ path: rawName.replace(/\/+$/, ""), type, size, data });
    longName = undefined;
    pax = {};
  }
  if (members.length === 0 && offset === 0) throw new UnreadableArchiveError("empty file");
  return members;
}

function memberType(flag: string, name: string): MemberType {
  if (flag === "5") return "directory";
  // Old tar writers mark directories only by a trailing slash on a regular entry.
  if ((flag === "\0" || flag === "0") && name.endsWith("/")) return "directory";
  if (flag === "0" || flag === "\0" || flag === "7" || flag === "S") return "file";
  if (flag === "1") return "hardlink";
  if (flag === "2") return "symlink";
  return "other";
}

function isUstar(header: Uint8Array): boolean {
  return decoder.decode(header.subarray(257, 262)) === "ustar";
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function readNumber(field: Uint8Array): number {
  // GNU base-256 for values that do not fit in octal.
  if ((field[0] ?? 0) & 0x80) {
    let value = (field[0] ?? 0) & 0x7f;
    for (const b of field.subarray(1)) value = value * 256 + b;
    return value;
  }
  const text = cString(field).trim();
  return text === "" ? 0 : Number.parseInt(text, 8);
}

function checksumOk(header: Uint8Array): boolean {
  const stored = readNumber(header.subarray(148, 156));
  let unsigned = 0;
  for (let i = 0; i < BLOCK; i++) unsigned += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
  return stored === unsigned;
}

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const length = Number.parseInt(decoder.decode(data.subarray(pos, space)), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = decoder.decode(data.subarray(space + 1, pos + length - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}
