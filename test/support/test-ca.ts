/**
 * A throwaway certificate authority for TLS tests: a CA and a server
 * certificate for 127.0.0.1 / localhost that the CA signed, made once per
 * test process with the `openssl` CLI (node:crypto cannot issue X.509).
 *
 * Nothing trusts this CA unless a test hands its PEM to the client, which is
 * exactly what the `--ca-file` tests need: verification fails without it and
 * succeeds with it.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface TestCa {
  /** the directory holding every file below */
  dir: string;
  /** CA certificate, PEM; what `--ca-file` points at */
  caCert: string;
  caCertFile: string;
  /** server certificate (SAN IP:127.0.0.1, DNS:localhost) signed by the CA, PEM */
  cert: string;
  certFile: string;
  /** the server certificate's private key, PEM */
  key: string;
  keyFile: string;
}

let cached: Promise<TestCa> | undefined;

/** The process-wide test CA; generated on first use. */
export function testCa(): Promise<TestCa> {
  cached ??= generate();
  return cached;
}

async function generate(): Promise<TestCa> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sbu-test-ca-"));
  const file = (name: string) => path.join(dir, name);
  // OpenSSL 3 adds basicConstraints CA:TRUE to a -x509 request by default; say
  // it explicitly so older builds make a usable CA too.
  await openssl([
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
    "-subj", "/CN=simboard-upload test CA",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout", file("ca.key"), "-out", file("ca.pem"),
  ]);
  await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", file("server.key"), "-out", file("server.csr")]);
  // Clients check the subjectAltName, not the CN, so the SAN must name both
  // the address and the name the tests connect to.
  await writeFile(
    file("server.ext"),
    [
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "",
    ].join("\n"),
  );
  await openssl([
    "x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial",
    "-days", "2", "-sha256", "-extfile", file("server.ext"), "-out", file("server.pem"),
  ]);
  const [caCert, cert, key] = await Promise.all([readFile(file("ca.pem"), "utf8"), readFile(file("server.pem"), "utf8"), readFile(file("server.key"), "utf8")]);
  return { dir, caCert, caCertFile: file("ca.pem"), cert, certFile: file("server.pem"), key, keyFile: file("server.key") };
}

async function openssl(args: string[]): Promise<void> {
  const child = Bun.spawn(["openssl", ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  if (exitCode !== 0) throw new Error(`openssl ${args[0]} failed (${exitCode}): ${stderr.trim()}`);
}
