import { ApiError, api, csrf } from '../admin/admin-api.js';

export interface FolderInfo {
  id: string;
  parentId: string | null;
  name: string;
  storeId: number | null;
  level?: 'read' | 'write' | 'manage';
  deletedAt: string | null;
}
export interface FileInfo {
  id: string;
  folderId: string;
  name: string;
  version: number;
  size: number;
  mediaType: string;
  updatedAt: string;
  deletedAt: string | null;
}
export interface Listing {
  folder: FolderInfo & { level: 'read' | 'write' | 'manage' };
  path: Array<{ id: string; name: string }>;
  folders: FolderInfo[];
  files: FileInfo[];
}
export interface Version {
  version: number;
  size: number;
  createdBy: string;
  createdAt: string;
}

export const filesApi = {
  spaces: () => api<{ spaces: Array<FolderInfo & { level: string }> }>('GET', '/api/v1/files/spaces'),
  folder: (id: string) => api<Listing>('GET', `/api/v1/files/folders/${id}`),
  mkdir: (parentId: string, name: string) => api<FolderInfo>('POST', '/api/v1/files/folders', { parentId, name }),
  renameFile: (id: string, name: string) => api<FileInfo>('PATCH', `/api/v1/files/${id}`, { name }),
  trashFile: (id: string) => api<void>('DELETE', `/api/v1/files/${id}`),
  trashFolder: (id: string) => api<void>('DELETE', `/api/v1/files/folders/${id}`),
  restoreFile: (id: string) => api<FileInfo>('POST', `/api/v1/files/${id}/restore`),
  restoreFolder: (id: string) => api<void>('POST', `/api/v1/files/folders/${id}/restore`),
  trash: () => api<{ files: FileInfo[]; folders: FolderInfo[] }>('GET', '/api/v1/files/trash'),
  versions: (id: string) => api<{ versions: Version[] }>('GET', `/api/v1/files/${id}/versions`),
  restoreVersion: (id: string, v: number) => api<FileInfo>('POST', `/api/v1/files/${id}/versions/${v}/restore`),
  search: (q: string, type: string) =>
    api<{ files: FileInfo[] }>('GET', `/api/v1/files/search?q=${encodeURIComponent(q)}${type ? `&type=${encodeURIComponent(type)}` : ''}`),
};

/** Upload one file as a raw stream, reporting progress (fetch cannot report upload progress; XHR can). */
export function uploadFile(folderId: string, file: File, onProgress: (sent: number, total: number) => void): Promise<FileInfo> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/files/folders/${folderId}/files?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    const token = csrf();
    if (token) xhr.setRequestHeader('x-csrf-token', token);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total || file.size);
    xhr.onload = () => {
      const body = (() => {
        try {
          return JSON.parse(xhr.responseText);
        } catch {
          return {};
        }
      })();
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body.code ?? 'unknown', body));
    };
    xhr.onerror = () => reject(new Error('the connection was lost; upload the file again'));
    xhr.send(file);
  });
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
