/**
 * What the in-process AWS emulators (dynalite, kinesalite) share: listening on a free loopback port,
 * handing out SDK clients, and closing both the clients and the server.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalEmulator<Client> {
  endpoint: string;
  /** A client for this server with dummy credentials; each call makes a new one, all destroyed by `close`. */
  client(): Client;
  close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1 at a free port; `makeClient` builds an SDK client for its endpoint. */
export async function startLocalEmulator<Client extends { destroy(): void }>(server: Server, makeClient: (endpoint: string) => Client): Promise<LocalEmulator<Client>> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: Client[] = [];
  return {
    endpoint,
    client() {
      const client = makeClient(endpoint);
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Dummy credentials in the emulators' region; one attempt, so a failing test fails at once. */
export const EMULATOR_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
} as const;
