/**
 * The uniseg HTTP API as the page uses it. Every non-2xx answer becomes an ApiError carrying the
 * server's own code and message (shown to the user as is); a 401 also asks for a token.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiTask {
  readonly name: string;
  readonly prompt: string;
  readonly aliases: string[];
  readonly route: string;
  readonly pathway: number[];
  readonly head?: string;
}

export interface PathwayListing {
  readonly package: string;
  readonly tasks: ApiTask[];
}

export interface Resolution {
  readonly prompt: string;
  readonly route: 'pathway' | 'head' | 'fixed';
  readonly task: string;
  readonly pathway: number[];
  readonly head?: string;
  readonly similarity: number | null;
}

export class Api {
  token = '';

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set('authorization', `Bearer ${this.token}`);
    let res: Response;
    try {
      res = await fetch(path, { ...init, headers });
    } catch (error) {
      throw new ApiError(0, 'NETWORK', `the server did not answer ${path}: ${(error as Error).message}`);
    }
    if (res.ok) return res;
    let code = `HTTP_${res.status}`;
    let message = `${path}: ${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      if (body.error?.message) ({ code = code, message } = { code: body.error.code, message: body.error.message });
    } catch {
      // Not the API's JSON error (a proxy page, say): keep the status line.
    }
    throw new ApiError(res.status, code, message);
  }

  async json<T>(path: string, init?: RequestInit): Promise<T> {
    return (await (await this.request(path, init)).json()) as T;
  }

  pathways(): Promise<PathwayListing> {
    return this.json('/pathways');
  }

  resolve(prompt: string): Promise<Resolution> {
    return this.json(`/resolve?prompt=${encodeURIComponent(prompt)}`);
  }

  /** Stores the scan on the server for the prompts that follow; returns its id. */
  async storeVolume(bytes: ArrayBuffer): Promise<string> {
    const stored = await this.json<{ id: string }>('/volumes', { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    return stored.id;
  }

  async dropVolume(id: string): Promise<void> {
    await this.request(`/volumes/${id}`, { method: 'DELETE' }).catch(() => undefined);
  }

  /** One prompt's mask (.nii.gz bytes) on a stored volume. */
  async mask(volume: string, prompt: string, signal?: AbortSignal): Promise<ArrayBuffer> {
    return (await this.request(`/segment?volume=${volume}&prompt=${encodeURIComponent(prompt)}`, { signal })).arrayBuffer();
  }
}
