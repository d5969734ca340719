"""The sandbox platform as a FastAPI application: HTTP in, `dispatch.serve` out.

Routes only translate: path and query parameters are declared here (so that the OpenAPI
document is exact), the work happens in `reads` and `operations`, inside the transaction
that `dispatch` opens. Every answer, errors included, is the `result` envelope, and every
refusal of an API is HTTP 200 as on the real platform (docs/platform-api.md, "Envelope").
Only what no API answered keeps an HTTP status: an unknown path (404), a method the path
does not have (405, with `Allow`), and a crash of the sandbox itself (500).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import parse_qsl

import anyio
from fastapi import APIRouter, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ksctl import __version__
from ksctl.contract import codes
from ksctl.contract.wire import (
    AccountAnswer,
    AccountsPage,
    AppealAnswer,
    AppealRequest,
    DisableLiveRequest,
    Feature,
    JobAnswer,
    QuotaAnswer,
    ReplaysPage,
    SchedulesPage,
    TicketAnswer,
    Toggle,
    TokenAnswer,
    VerifyRequest,
    WriteAnswer,
)
from ksctl.sandbox import auth, operations, reads
from ksctl.sandbox.dispatch import (
    Call,
    Handler,
    Incoming,
    Kind,
    error_outcome,
    modelled_statuses,
    serve,
)
from ksctl.sandbox.meta import NotSeeded
from ksctl.sandbox.refusal import Refusal
from ksctl.sandbox.store import Store

ID = r"^[A-Za-z0-9_-]{1,64}$"
AccountId = Annotated[str, Path(pattern=ID, description="account id")]
ItemId = Annotated[str, Path(pattern=ID)]
Cursor = Annotated[
    str | None, Query(max_length=512, description="opaque; empty or absent for the first page")
]
Count = Annotated[int, Query(ge=1, le=200)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]([\x20-\x7e]{0,198}[\x21-\x7e])?$",
        description="1-200 printable ASCII characters; a repeated key returns the first answer",
    ),
]
IfMatch = Annotated[
    str | None, Header(alias="If-Match", description="the account version last read")
]
RangeHeader = Annotated[str | None, Header(alias="Range", description="bytes=START-END, one range")]


def _file_responses(media_type: str) -> dict[int | str, dict[str, Any]]:
    # A refusal of a download is the JSON envelope, HTTP 200 too (openapi.py adds it).
    binary = {"content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}
    return {
        200: {**binary, "description": "the whole file"},
        206: {**binary, "description": "the requested range"},
    }


def _body(model: type) -> dict[str, Any]:
    schema = model.model_json_schema()  # type: ignore[attr-defined]
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


async def _respond(
    request: Request, kind: Kind, operation: str, handler: Handler, account_id: str | None = None
) -> Response:
    incoming = Incoming(
        method=request.method,
        path=request.url.path,
        query=dict(request.query_params),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=await request.body(),
    )
    store: Store = request.app.state.store
    # SQLite waits on other processes' locks: keep that off the event loop.
    outcome = await anyio.to_thread.run_sync(
        serve, store, kind, operation, incoming, handler, account_id
    )
    if outcome.delay_ms:
        await anyio.sleep(outcome.delay_ms / 1000)
    return Response(
        outcome.body,
        status_code=outcome.status,
        media_type=outcome.media_type,
        headers=outcome.headers,
    )


async def _refused(request: Request, code: int, message: str, status: int = 200) -> Response:
    outcome = error_outcome(Refusal(code, message), "", status)
    store: Store | None = getattr(request.app.state, "store", None)
    if store is not None and outcome.status == 200:
        try:
            settings = await anyio.to_thread.run_sync(store.settings)
        except NotSeeded:
            pass
        else:
            modelled_statuses(outcome, settings)
    return Response(outcome.body, status_code=outcome.status, media_type=outcome.media_type)


router = APIRouter()


# ---- token -----------------------------------------------------------------------------------

TOKEN_FORM = {
    "requestBody": {
        "required": False,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "app_id": {"type": "string"},
                        "app_secret": {"type": "string"},
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                    },
                }
            }
        },
    }
}


@router.post(
    "/oauth2/access_token",
    operation_id="accessToken",
    response_model=TokenAnswer,
    tags=["token"],
    openapi_extra=TOKEN_FORM,
)
async def access_token(
    request: Request,
    app_id: Annotated[str | None, Query()] = None,
    app_secret: Annotated[str | None, Query()] = None,
    grant_type: Annotated[
        str | None, Query(max_length=64, description="client_credentials (the only grant here)")
    ] = None,
) -> Response:
    """Client credentials (query string or form) -> an access token that expires on the
    virtual clock."""
    form: dict[str, str] = {}
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    given = {"app_id": app_id, "app_secret": app_secret, "grant_type": grant_type}
    creds = {k: v or form.get(k) for k, v in given.items()}
    # The only grant there is; saying it is customary, not required.
    creds["grant_type"] = creds["grant_type"] or "client_credentials"

    def issue(call: Call) -> TokenAnswer:
        answer = auth.issue_token(
            call.conn,
            creds["app_id"],
            creds["app_secret"],
            creds["grant_type"],
            call.now,
            call.settings.token_expires_in,
        )
        call.app_or_none = auth.load_app(call.conn, creds["app_id"] or "")
        return answer

    return await _respond(request, Kind.token, "access_token", issue)


# ---- reads ---------------------------------------------------------------------------------------


@router.get(
    "/openapi/accounts",
    operation_id="listAccounts",
    response_model=AccountsPage,
    tags=["accounts"],
)
async def list_accounts(
    request: Request,
    ids: Annotated[
        str | None, Query(max_length=20_000, description="comma-separated, at most 200")
    ] = None,
    cursor: Cursor = None,
    count: Count = 200,
) -> Response:
    """Many accounts per call: those of `ids` (unknown ones in `missing`), else every account
    the app manages."""
    return await _respond(
        request, Kind.read, "list_accounts", lambda c: reads.list_accounts(c, ids, cursor, count)
    )


@router.get(
    "/openapi/accounts/{account_id}",
    operation_id="getAccount",
    response_model=AccountAnswer,
    tags=["accounts"],
)
async def get_account(request: Request, account_id: AccountId) -> Response:
    """One account; the `ETag` header holds its version."""
    return await _respond(
        request, Kind.read, "get_account", lambda c: reads.get_account(c, account_id), account_id
    )


@router.get(
    "/openapi/accounts/{account_id}/schedules",
    operation_id="listSchedules",
    response_model=SchedulesPage,
    tags=["schedules"],
)
async def list_schedules(
    request: Request, account_id: AccountId, cursor: Cursor = None, count: Count = 200
) -> Response:
    return await _respond(
        request,
        Kind.read,
        "list_schedules",
        lambda c: reads.list_schedules(c, account_id, cursor, count),
        account_id,
    )


@router.get(
    "/openapi/accounts/{account_id}/replays",
    operation_id="listReplays",
    response_model=ReplaysPage,
    tags=["replays"],
)
async def list_replays(
    request: Request, account_id: AccountId, cursor: Cursor = None, count: Count = 200
) -> Response:
    return await _respond(
        request,
        Kind.read,
        "list_replays",
        lambda c: reads.list_replays(c, account_id, cursor, count),
        account_id,
    )


@router.get(
    "/openapi/accounts/{account_id}/replays/{replay_id}/content",
    operation_id="getReplayContent",
    response_class=Response,
    responses=_file_responses("video/mp4"),
    tags=["replays"],
)
async def replay_content(
    request: Request, account_id: AccountId, replay_id: ItemId, range: RangeHeader = None
) -> Response:
    """The video; honours `Range`; `X-Content-SHA256` is the sha256 of the whole file."""
    return await _respond(
        request,
        Kind.read,
        "replay_content",
        lambda c: reads.replay_content(c, account_id, replay_id, range),
        account_id,
    )


@router.get(
    "/openapi/jobs/{job_id}",
    operation_id="getJob",
    response_model=JobAnswer,
    tags=["backups"],
)
async def get_job(request: Request, job_id: ItemId) -> Response:
    return await _respond(request, Kind.read, "get_job", lambda c: reads.get_job(c, job_id))


@router.get(
    "/openapi/jobs/{job_id}/content",
    operation_id="getJobContent",
    response_class=Response,
    responses=_file_responses("text/csv"),
    tags=["backups"],
)
async def job_content(request: Request, job_id: ItemId, range: RangeHeader = None) -> Response:
    """The interaction export (CSV: date, danmaku, likes, peak_viewers) once the job is ready."""
    return await _respond(
        request, Kind.read, "job_content", lambda c: reads.job_content(c, job_id, range)
    )


@router.get(
    "/openapi/tickets/{ticket_id}",
    operation_id="getTicket",
    response_model=TicketAnswer,
    tags=["backups"],
)
async def get_ticket(request: Request, ticket_id: ItemId) -> Response:
    return await _respond(
        request, Kind.read, "get_ticket", lambda c: reads.get_ticket(c, ticket_id)
    )


@router.get(
    "/openapi/tickets/{ticket_id}/content",
    operation_id="getTicketContent",
    response_class=Response,
    responses=_file_responses("text/csv"),
    tags=["backups"],
)
async def ticket_content(
    request: Request, ticket_id: ItemId, range: RangeHeader = None
) -> Response:
    """The gift ledger (CSV: time, viewer, gift, count, kuaibi) once the ticket is fulfilled."""
    return await _respond(
        request, Kind.read, "ticket_content", lambda c: reads.ticket_content(c, ticket_id, range)
    )


@router.get(
    "/openapi/appeals/{appeal_id}",
    operation_id="getAppeal",
    response_model=AppealAnswer,
    tags=["replays"],
)
async def get_appeal(request: Request, appeal_id: ItemId) -> Response:
    return await _respond(
        request, Kind.read, "get_appeal", lambda c: reads.get_appeal(c, appeal_id)
    )


@router.get(
    "/openapi/quota",
    operation_id="getQuota",
    response_model=QuotaAnswer,
    tags=["quota"],
)
async def get_quota(request: Request) -> Response:
    return await _respond(request, Kind.read, "get_quota", reads.get_quota)


# ---- writes --------------------------------------------------------------------------------


def _write(
    path: str, operation_id: str, tag: str, body: type | None = None
) -> Callable[[Any], Any]:
    return router.post(
        path,
        operation_id=operation_id,
        response_model=WriteAnswer,
        tags=[tag],
        openapi_extra=_body(body) if body else None,
    )


async def _write_call(
    request: Request, operation: str, account_id: str, handler: Callable[[Call], WriteAnswer]
) -> Response:
    return await _respond(request, Kind.write, operation, handler, account_id)


@_write(
    "/openapi/accounts/{account_id}/schedules/{schedule_id}/cancel", "cancelSchedule", "schedules"
)
async def cancel_schedule(
    request: Request,
    account_id: AccountId,
    schedule_id: ItemId,
    key: IdempotencyKey,
    if_match: IfMatch = None,
) -> Response:
    """Cancel a scheduled live (预约直播)."""
    return await _write_call(
        request,
        "cancel_schedule",
        account_id,
        lambda c: operations.cancel_schedule(c, account_id, schedule_id),
    )


@_write("/openapi/accounts/{account_id}/interactions/export", "exportInteractions", "backups")
async def export_interactions(
    request: Request, account_id: AccountId, key: IdempotencyKey, if_match: IfMatch = None
) -> Response:
    """Open an export job of the last 90 days of interactions (or return the pending one)."""
    return await _write_call(
        request,
        "export_interactions",
        account_id,
        lambda c: operations.export_interactions(c, account_id),
    )


@_write("/openapi/accounts/{account_id}/gift_ledger/tickets", "requestGiftLedger", "backups")
async def request_gift_ledger(
    request: Request, account_id: AccountId, key: IdempotencyKey, if_match: IfMatch = None
) -> Response:
    """Open a support ticket for the gift ledger (or return the open one); fulfilled after a
    delay."""
    return await _write_call(
        request,
        "request_gift_ledger",
        account_id,
        lambda c: operations.request_gift_ledger(c, account_id),
    )


@_write(
    "/openapi/accounts/{account_id}/privacy/purge_viewer_phones", "purgeViewerPhones", "privacy"
)
async def purge_viewer_phones(
    request: Request, account_id: AccountId, key: IdempotencyKey, if_match: IfMatch = None
) -> Response:
    """Delete the viewer phone numbers the platform stores for the account."""
    return await _write_call(
        request,
        "purge_viewer_phones",
        account_id,
        lambda c: operations.purge_viewer_phones(c, account_id),
    )


@_write("/openapi/accounts/{account_id}/sms/send", "sendSms", "live")
async def sms_send(
    request: Request, account_id: AccountId, key: IdempotencyKey, if_match: IfMatch = None
) -> Response:
    """Send a verification code to the account's bound phone."""
    return await _write_call(
        request, "sms_send", account_id, lambda c: operations.sms_send(c, account_id)
    )


@_write("/openapi/accounts/{account_id}/sms/verify", "verifySms", "live", VerifyRequest)
async def sms_verify(
    request: Request, account_id: AccountId, key: IdempotencyKey, if_match: IfMatch = None
) -> Response:
    """Exchange the code for a short-lived, single-use verification ticket."""
    return await _write_call(
        request, "sms_verify", account_id, lambda c: operations.sms_verify(c, account_id)
    )


@_write("/openapi/accounts/{account_id}/live/disable", "disableLive", "live", DisableLiveRequest)
async def disable_live(
    request: Request, account_id: AccountId, key: IdempotencyKey, if_match: IfMatch = None
) -> Response:
    """Close live (关闭直播权限); revokes the live-certification tag."""
    return await _write_call(
        request, "disable_live", account_id, lambda c: operations.disable_live(c, account_id)
    )


@_write("/openapi/accounts/{account_id}/live/enable", "enableLive", "live")
async def enable_live(
    request: Request, account_id: AccountId, key: IdempotencyKey, if_match: IfMatch = None
) -> Response:
    return await _write_call(
        request, "enable_live", account_id, lambda c: operations.enable_live(c, account_id)
    )


@_write(
    "/openapi/accounts/{account_id}/certification/live/remove", "removeLiveCertification", "live"
)
async def remove_certification(
    request: Request, account_id: AccountId, key: IdempotencyKey, if_match: IfMatch = None
) -> Response:
    """Remove the 直播认证 tag while live stays enabled."""
    return await _write_call(
        request,
        "remove_certification",
        account_id,
        lambda c: operations.remove_certification(c, account_id),
    )


@_write("/openapi/accounts/{account_id}/features/{feature}/enable", "enableFeature", "monetization")
async def enable_feature(
    request: Request,
    account_id: AccountId,
    feature: Feature,
    key: IdempotencyKey,
    if_match: IfMatch = None,
) -> Response:
    return await _write_call(
        request,
        "enable_feature",
        account_id,
        lambda c: operations.set_feature(c, account_id, feature.value, Toggle.enabled),
    )


@_write(
    "/openapi/accounts/{account_id}/features/{feature}/disable", "disableFeature", "monetization"
)
async def disable_feature(
    request: Request,
    account_id: AccountId,
    feature: Feature,
    key: IdempotencyKey,
    if_match: IfMatch = None,
) -> Response:
    return await _write_call(
        request,
        "disable_feature",
        account_id,
        lambda c: operations.set_feature(c, account_id, feature.value, Toggle.disabled),
    )


@_write("/openapi/accounts/{account_id}/appeals", "takedownAppeal", "replays", AppealRequest)
async def takedown_appeal(
    request: Request, account_id: AccountId, key: IdempotencyKey, if_match: IfMatch = None
) -> Response:
    """Appeal (内容申诉) to take every online replay down; approved after a review delay."""
    return await _write_call(
        request, "takedown_appeal", account_id, lambda c: operations.takedown_appeal(c, account_id)
    )


# ---- the application -----------------------------------------------------------------------------


async def _invalid_request(request: Request, exc: Exception) -> Response:
    first = exc.errors()[0] if isinstance(exc, RequestValidationError) and exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return await _refused(
        request,
        codes.BAD_REQUEST,
        f"invalid request: {where}: {first.get('msg', 'malformed')}".strip(),
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    # No API answered (no such path, or not with this method): the HTTP status stays.
    status = getattr(exc, "status_code", 500)
    code = (
        codes.NOT_FOUND
        if status == 404
        else codes.BAD_REQUEST
        if status < 500
        else codes.SERVER_ERROR
    )
    response = await _refused(
        request, code, str(getattr(exc, "detail", "")) or "refused", status=status
    )
    response.headers.update(getattr(exc, "headers", None) or {})  # e.g. Allow on a 405
    if status == 405:
        # Every documented method of the path, whichever router declared it (the token
        # path has two: the client-credentials POST and the authorization-code GET).
        paths = request.app.openapi().get("paths", {})
        methods = {m.upper() for m in paths.get(request.url.path, {})}
        if len(methods) > 1:
            response.headers["Allow"] = ", ".join(sorted(methods))
    return response


async def _server_error(request: Request, exc: Exception) -> Response:
    # A bug of the sandbox, not an answer of the API: HTTP 500 keeps it visible (schemathesis).
    return await _refused(request, codes.SERVER_ERROR, "internal error of the sandbox", 500)


def bare_app() -> FastAPI:
    """The application without a world: enough to describe it (the OpenAPI document)."""
    from ksctl.sandbox.openapi import DESCRIPTION, customise

    app = FastAPI(
        title="ksctl platform API",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.include_router(router)
    from ksctl.sandbox.open_routes import router as open_platform  # the real user endpoints

    app.include_router(open_platform)

    from ksctl.sandbox.oauth_routes import router as oauth_router  # it builds on this module

    app.include_router(oauth_router)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _server_error)
    customise(app)
    return app


def create_app(store: Store) -> FastAPI:
    """The platform API over `store`; every request reads and writes the SQLite world."""
    app = bare_app()
    app.state.store = store
    return app
