/* The JSON API with the session cookie; every write carries the CSRF token. */

/** What the server put in the page: the signed-in user's organisation and what they may see. */
export const CONFIG = JSON.parse((document.getElementById("ui-config") || {}).textContent || "{}");

export class ApiError extends Error {
  constructor(status, body) {
    const error = body && body.error;
    super(error && error.message ? error.message : ApiError.fallback(status));
    this.status = status;
    this.code = error && error.code;
    this.details = (body && body.errors) || (error && error.details) || [];
    this.annotatedFile = (body && body.annotated_file) || null;  // a refused import's own file, marked
  }

  static fallback(status) {
    if (status === 0) return "无法连接服务器，请检查网络后重试";
    if (status === 401) return "登录已过期，请重新登录";
    if (status === 403) return "没有权限执行此操作";
    if (status === 404) return "找不到该记录，或您无权查看";
    if (status === 413) return "上传的文件太大";
    if (status >= 500) return "服务暂时不可用，请稍后重试";
    return `请求失败（${status}）`;
  }
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** fetch with the session cookie; JSON bodies, or FormData for uploads; throws ApiError. */
export async function api(method, url, body) {
  const headers = {Accept: "application/json"};
  const options = {method, headers, credentials: "same-origin"};
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (e) {
    throw new ApiError(0, null);
  }
  let data = null;
  if ((response.headers.get("Content-Type") || "").includes("json")) {
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

let names = null;

/** The server's names and orders (review states, actions, roles, kinds of organisation, categories). */
export function vocabulary() {
  if (!names) names = api("GET", "/api/v1/vocabulary");
  return names;
}
