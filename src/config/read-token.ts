import { readFile, stat } from "node:fs/promises";
import { ConfigError } from "../errors/config-error.ts";

export interface TokenSource {
  env: Record<string, string | undefined>;
  /** `tokenFile` after layering (config file or SIMBOARD_API_TOKEN_FILE). */
  tokenFile: string | undefined;
}

/**
 * The token comes only from the environment or a private file, never from a
 * flag: a flag would be visible to every user of the login node through `ps`.
 */
export async function readToken(source: TokenSource): Promise<string> {
  const fromEnv = source.env.SIMBOARD_API_TOKEN?.trim();
  if (fromEnv) {
    if (/\s/.test(fromEnv)) throw new ConfigError("SIMBOARD_API_TOKEN must hold the token alone, without spaces or line breaks");
    return fromEnv;
  }
  if (!source.tokenFile) {
    throw new ConfigError("no API token: set SIMBOARD_API_TOKEN, or tokenFile in the config / SIMBOARD_API_TOKEN_FILE to a file of mode 600");
  }
  const file = source.tokenFile;
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(code === "ENOENT" ? `token file not found: ${file}` : `token file not readable: ${file} (${code})`);
  }
  if (!info.isFile()) throw new ConfigError(`token file is not a regular file: ${file}`);
  if ((info.mode & 0o077) !== 0) {
    throw new ConfigError(`token file ${file} is readable by group or others; run: chmod 600 ${file}`);
  }
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError(`token file not readable: ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  const token = text.trim();
  if (!token) throw new ConfigError(`token file is empty: ${file}`);
  if (/\s/.test(token)) throw new ConfigError(`token file ${file} must hold the token alone on one line`);
  return token;
}
