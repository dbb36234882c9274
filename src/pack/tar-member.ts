import { Header, Pax } from "tar";

/** A fixed member mtime keeps archives of unchanged content byte-identical. */
const MEMBER_MTIME = new Date(0);

/** tar's block size: each member's data is padded to it, and the archive ends with two empty blocks. */
export const TAR_BLOCK = 512;
export const TAR_END = Buffer.alloc(2 * TAR_BLOCK);

/**
 * The header block(s) of one member, encoded by node-tar (a pax extended
 * header comes first when the name is long or not ASCII). Modes are fixed
 * like the mtime: SimBoard reads the files, never their permissions, and
 * the same content must pack to the same bytes.
 */
export function memberHeader(archivePath: string, type: "dir" | "file", size: number): Buffer {
  const dir = type === "dir";
  const name = dir ? `${archivePath}/` : archivePath;
  const header = new Header({ path: name, type: dir ? "Directory" : "File", mode: dir ? 0o755 : 0o644, size: dir ? 0 : size, mtime: dir ? undefined : MEMBER_MTIME });
  const needPax = header.encode();
  const block = header.block!;
  if (!needPax) return block;
  return Buffer.concat([new Pax({ path: name, size: header.size, mtime: dir ? undefined : MEMBER_MTIME }).encode(), block]);
}

/** Zero bytes that pad `size` bytes of data to a whole block. */
export function padding(size: number): Buffer {
  const rest = size % TAR_BLOCK;
  return rest === 0 ? EMPTY : TAR_END.subarray(0, TAR_BLOCK - rest);
}

const EMPTY = Buffer.alloc(0);
