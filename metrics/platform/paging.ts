/** A page of a list: its rows and where it stands (every list the service answers has this shape). */
export interface Page<T> {
  data: T[];
  page: { limit: number; offset: number; total: number };
}

export interface PageRequest {
  limit: number;
  offset: number;
}

export function page<T>(rows: T[], total: number, request: PageRequest): Page<T> {
  return { data: rows, page: { limit: request.limit, offset: request.offset, total } };
}
