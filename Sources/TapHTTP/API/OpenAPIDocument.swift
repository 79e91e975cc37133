/// The hand-maintained API description served at `/openapi.yaml`.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: TapStation
  version: 0.1.0
  summary: Temporary access passes for device enrollment and FIDO2 key registration.
  description: >-
    TapStation hands out temporary access passes (short-lived, limited-use sign-in codes), each bound to
    one enrollment session, and revokes the pass the moment its session completes.


    Conventions. Request and response bodies are JSON (`application/json`). Times are RFC 3339 strings;
    the server writes whole-second UTC (`2026-11-26T10:00:00Z`) and accepts an offset or `Z`, with or
    without fractional seconds. Optional fields that have no value are left out of responses rather than
    sent as `null`; in request bodies, `null` for an optional field means the same as leaving it out.
    Ids are lower-case, time-ordered UUID strings of 36 characters. Clients must tolerate fields and
    enum values added to responses later.


    Authentication. Operators send `Authorization: Bearer <operator token>` (prefix `tso_`); devices and
    users send the session token that redeeming a pass returned (prefix `tss_`). Each operation names the
    roles it admits. A site-scoped token sees only its own site: another site's session or device answers
    404.


    Errors. Every refusal is `application/problem+json` (RFC 9457) with `type`, `title`, `status`,
    `detail` and a stable `code`, plus `field` when one field is at fault and `bound` for
    `policy_violation`. Codes: `invalid_request` (400), `invalid_json` (400; also a body in which one object
    names a member twice, at any depth and in any escape form), `unauthorized` (401),
    `token_expired` (401), `token_revoked` (401), `invalid_session_token` (401), `invalid_pass` (401),
    `forbidden` (403), `source_not_allowed` (403), `subject_not_allowed` (403), `not_found` (404),
    `method_not_allowed` (405), `conflict` (409), `invalid_state_transition` (409),
    `idempotency_in_progress` (409), `approval_required` (409), `request_timeout` (408),
    `payload_too_large` (413), `uri_too_long` (414), `unsupported_media_type` (415),
    `idempotency_conflict` (422), `policy_violation` (422), `proofing_required` (422),
    `proofing_method_not_accepted` (422), `proofing_id_number_refused` (422), `issuance_locked` (423),
    `rate_limited` (429, with `Retry-After`), `issuance_cap_reached` (429), `too_many_streams` (429, with
    `Retry-After`), `self_approval` (403),
    `approver_not_a_person` (403), `not_the_requester` (403), `webhook_url_refused` (422),
    `newer_token_exists` (409),
    `internal_error` (500), and one `webauthn_<reason>` per WebAuthn verifier reason (400;
    `webauthn_credential_already_registered` is 409; docs/webauthn.md lists them). In Entra mode also
    `entra_tap_exists` (409), `not_in_local_mode` (409), `entra_refused` (404, 422 or 502, quoting Microsoft
    Graph's code and message) and `entra_unavailable` (503, with `Retry-After`). New codes may be added; a code
    never changes meaning.


    Free text an operator sets (operator names, preset titles, reasons, descriptions, models, proofing notes)
    must hold no control characters: no C0 or C1 control (tab, line breaks and ESC included), DEL,
    bidirectional embedding, override, isolate or mark, or line or paragraph separator; such text is 400
    `invalid_request` naming the field.
tags:
  - name: health
    description: Liveness, readiness and this document.
  - name: sessions
    description: Enrollment sessions and their passes.
  - name: enrollment
    description: What the device or user side calls.
  - name: devices
    description: Devices known from enrollment sessions.
  - name: audit
    description: The append-only, HMAC-chained audit trail.
  - name: policy
    description: Pass, session and attempt policy.
  - name: operators
    description: Operator tokens.
  - name: approvals
    description: Four-eyes issuance and the help desk's incident tools.
  - name: events
    description: Server-sent events of sessions and sites.
  - name: keys
    description: Registered FIDO2 keys, and sign-in verification for the organisation's apps.
  - name: webhooks
    description: Endpoints told about session events, and their deliveries.
  - name: board
    description: The bench's wall display, signed in with a board token kept in a cookie.
paths:
  /healthz:
    get:
      tags: [health]
      operationId: getHealth
      summary: Liveness
      description: Answers as long as the process serves requests. No authentication.
      security: []
      responses:
        '200':
          description: The server is alive.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/HealthStatus'
        default:
          $ref: '#/components/responses/Problem'
  /readyz:
    get:
      tags: [health]
      operationId: getReadiness
      summary: Readiness
      description: Answers 200 when the database can be read. No authentication.
      security: []
      responses:
        '200':
          description: The server is ready.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/ReadyStatus'
        '503':
          description: The database cannot be reached; the server is not ready.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/UnavailableStatus'
        default:
          $ref: '#/components/responses/Problem'
  /openapi.yaml:
    get:
      tags: [health]
      operationId: getOpenAPIDocument
      summary: This API description
      description: The hand-maintained OpenAPI document. No authentication.
      security: []
      responses:
        '200':
          description: The OpenAPI 3.1 document, as YAML.
          content:
            application/yaml:
              schema:
                type: object
                required: [openapi, info, paths]
                properties:
                  openapi:
                    type: string
                    pattern: '^3\.1\.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/sessions:
    post:
      tags: [sessions]
      operationId: createSession
      summary: Create a session and mint its pass
      description: >-
        Roles: admin, helpdesk, bench, kiosk.


        Creates an enrollment session and mints its pass. The pass value (`pass.temporaryAccessPass`)
        appears in this one response only. The session's site defaults to the caller's; a site-scoped
        token naming another site gets 403. A start time in the future gives state `pending` and
        `methodUsabilityReason` `NotYetValid`. `deviceEnrollment` needs `device`; `fido2Registration`
        must not have one. Pass terms come from the request, then the named preset, then the policy.
        The policy may require a `proofing` record and limit its methods.


        When the policy requires a second operator (`approvalRequired`, and always for a privileged
        subject) the session is created in state `awaitingApproval` with `approval` and without a pass;
        once approved (`POST /v1/approvals/{id}/approve`), the operator who asked collects the pass with
        `POST /v1/sessions/{id}/pass`.


        With an `Idempotency-Key`, a retry with the same key and body answers the original session with
        `Idempotent-Replayed: true` and without the pass value (the client reissues if it lost it); the
        same key with another body is 422 `idempotency_conflict`; a retry while the first request is
        still running is 409 `idempotency_in_progress`. Keys are per operator and kept 24 hours.


        Entra mode: the pass is an Entra ID Temporary Access Pass created through Microsoft Graph, its
        value as Entra made it, shown in this answer only and stored nowhere. A user who already holds one
        is refused with 409 `entra_tap_exists` unless `replaceExisting` is `true` (the old pass is
        deleted; a session of ours that held it is cancelled). `maxUses` 1 becomes `isUsableOnce: true`;
        more than 1 becomes `isUsableOnce: false`, which Entra does not count (`entra.usesCounted` is
        `false`). Lifetimes are checked against Entra's TAP policy too, before any Graph call.
      security:
        - operatorToken: []
      parameters:
        - $ref: '#/components/parameters/IdempotencyKey'
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/CreateSessionRequest'
            example:
              scenario: deviceEnrollment
              userPrincipalName: ada@contoso.example
              device:
                serialNumber: C02XK1ZZJG5H
                platform: ipados
                model: iPad (10th gen)
                assetTag: A-1042
              reason: new starter, ticket INC-20417
              proofing:
                method: inPerson
                checkedBy: tech@contoso.example
                reference: passport, last digits 4821
              pass:
                preset: apple-ade
                lifetimeInMinutes: 60
                maxUses: 2
      responses:
        '201':
          description: >-
            The session was created (or, with `Idempotent-Replayed: true`, an earlier identical request
            is answered again, without `pass.temporaryAccessPass`). A session that waits for approval has
            no `pass`.
          headers:
            Location:
              $ref: '#/components/headers/Location'
            Idempotent-Replayed:
              $ref: '#/components/headers/IdempotentReplayed'
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/SessionView'
        '400':
          $ref: '#/components/responses/Problem'
          description: >-
            `invalid_json`, or `invalid_request` (a field outside its grammar or bounds, a bad
            `Idempotency-Key`, `device` missing or not allowed for the scenario, an unknown preset,
            `isUsableOnce` disagreeing with `maxUses`).
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: >-
            `forbidden` (role, session token, or another site), `source_not_allowed`, or
            `subject_not_allowed` (outside the token's allowed subjects, or a privileged user for a kiosk
            or bench token).
        '409':
          $ref: '#/components/responses/Problem'
          description: >-
            `conflict` (the device already has an open session), `idempotency_in_progress`, or in Entra
            mode `entra_tap_exists` (the user already has an Entra Temporary Access Pass; send
            `replaceExisting: true`).
        '404':
          $ref: '#/components/responses/Problem'
          description: '`entra_refused` (Entra mode): Microsoft Graph does not know the user.'
        '502':
          $ref: '#/components/responses/Problem'
          description: '`entra_refused` (Entra mode): Graph refused the app (a permission is missing).'
        '503':
          $ref: '#/components/responses/Problem'
          description: '`entra_unavailable` (Entra mode): Microsoft Graph could not be reached or kept failing.'
        '423':
          $ref: '#/components/responses/Problem'
          description: '`issuance_locked`: issuance for this user is locked (`PUT /v1/users/{userPrincipalName}/issuance-lock`).'
        '429':
          $ref: '#/components/responses/Problem'
          description: '`issuance_cap_reached`: a cap of the policy on passes minted is reached (`field` names it).'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        '422':
          $ref: '#/components/responses/Problem'
          description: >-
            `policy_violation` (with `field` and `bound`: passes disabled, uses, lifetime or start time
            outside the policy), `proofing_required`, `proofing_method_not_accepted`,
            `proofing_id_number_refused` or `idempotency_conflict`.
        default:
          $ref: '#/components/responses/Problem'
    get:
      tags: [sessions]
      operationId: listSessions
      summary: List sessions
      description: >-
        Roles: admin, helpdesk, bench, kiosk, auditor.


        Sessions visible to the caller, newest first, never with a pass value. The `state` filter
        matches the state at this moment. Pass `nextCursor` as `cursor` to get the next page; no
        `nextCursor` means the last page.
      security:
        - operatorToken: []
      parameters:
        - name: state
          in: query
          schema:
            $ref: '#/components/schemas/SessionState'
        - name: scenario
          in: query
          schema:
            $ref: '#/components/schemas/Scenario'
        - name: site
          in: query
          schema:
            $ref: '#/components/schemas/SiteName'
        - name: userPrincipalName
          in: query
          description: Compared case-insensitively.
          schema:
            $ref: '#/components/schemas/UserPrincipalName'
        - name: serialNumber
          in: query
          description: Compared case-insensitively.
          schema:
            $ref: '#/components/schemas/SerialNumber'
        - $ref: '#/components/parameters/PageLimit'
        - name: cursor
          in: query
          description: The `nextCursor` of the previous page (a session id).
          schema:
            $ref: '#/components/schemas/Identifier'
      responses:
        '200':
          description: A page of sessions.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/SessionList'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_request`: a query parameter has an invalid value (`field` names it).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/sessions/{id}:
    parameters:
      - $ref: '#/components/parameters/SessionIdPath'
    get:
      tags: [sessions]
      operationId: getSession
      summary: Read one session
      description: >-
        Roles: admin, helpdesk, bench, kiosk, auditor.


        One session with its state at this moment; never the pass value.
      security:
        - operatorToken: []
      responses:
        '200':
          description: The session.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/SessionView'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such session, or not visible to this token.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/sessions/{id}/pass:
    parameters:
      - $ref: '#/components/parameters/SessionIdPath'
    post:
      tags: [sessions]
      operationId: reissuePass
      summary: Reissue the session's pass
      description: >-
        Roles: admin, helpdesk, bench, kiosk.


        Mints a fresh pass for a session that is `active`, `expired` or `lockedOut`; the old pass dies
        and the session becomes `active`. The new pass value appears in this one response only. The
        body is optional (an empty body means `{}`); a reissued pass starts now, so `startDateTime` is
        refused.


        For an approved session that has no pass yet, this collects its first pass, on the terms asked
        for when it was created (the body is not used): only the operator who asked may (403
        `not_the_requester`), within the approval timeout after the decision. A session still waiting
        for approval is 409 `approval_required`; so is a session whose approval was not collected in
        time, and any reissue of a session that needed approval: an approval covers one pass, so a new
        pass needs a new request and a new approval.


        Entra mode: the session's old Temporary Access Pass is deleted in Entra and a new one created
        (Graph's failures as on create: `entra_tap_exists` if the user holds another pass, `entra_refused`,
        `entra_unavailable`; the session is then cancelled).
      security:
        - operatorToken: []
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/ReissuePassRequest'
      responses:
        '201':
          description: The session with its new pass, including `pass.temporaryAccessPass`.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/SessionView'
        '400':
          $ref: '#/components/responses/Problem'
          description: >-
            `invalid_json` or `invalid_request` (wrong types, an unknown preset, `isUsableOnce`
            disagreeing with `maxUses`, `startDateTime` given).
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: >-
            `forbidden`, `source_not_allowed`, `subject_not_allowed` (a privileged user for a kiosk or
            bench token), or `not_the_requester` (collecting an approved pass someone else asked for).
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such session, or not visible to this token.'
        '409':
          $ref: '#/components/responses/Problem'
          description: >-
            `invalid_state_transition` (the session is not `active`, `expired` or `lockedOut`) or
            `approval_required` (it waits for a second operator).
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        '422':
          $ref: '#/components/responses/Problem'
          description: '`policy_violation` (with `field` and `bound`).'
        '423':
          $ref: '#/components/responses/Problem'
          description: '`issuance_locked`: issuance for this user is locked.'
        '429':
          $ref: '#/components/responses/Problem'
          description: '`issuance_cap_reached`: a cap of the policy on passes minted is reached (`field` names it).'
        default:
          $ref: '#/components/responses/Problem'
  /v1/sessions/{id}/complete:
    parameters:
      - $ref: '#/components/parameters/SessionIdPath'
    post:
      tags: [sessions]
      operationId: completeSession
      summary: Complete a session by hand
      description: >-
        Roles: admin, helpdesk, bench, kiosk.


        Marks an `active` or `inProgress` session `completed` (its device, if any, `enrolled`) and
        revokes its pass and session tokens in the same transaction. No request body.
      security:
        - operatorToken: []
      responses:
        '200':
          description: The completed session.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/SessionView'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such session, or not visible to this token.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`invalid_state_transition`: the session is not `active` or `inProgress`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/sessions/{id}/cancel:
    parameters:
      - $ref: '#/components/parameters/SessionIdPath'
    post:
      tags: [sessions]
      operationId: cancelSession
      summary: Cancel a session
      description: >-
        Roles: admin, helpdesk, bench, kiosk.


        Stops a session that is not yet terminal; its pass and session tokens die in the same
        transaction. The body is optional (an empty body means `{}`).
      security:
        - operatorToken: []
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/CancelRequest'
      responses:
        '200':
          description: The cancelled session.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/SessionView'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json` or `invalid_request` (`reason` too long or with control characters).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such session, or not visible to this token.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`invalid_state_transition`: the session is already terminal.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/sessions/{id}/trail:
    parameters:
      - $ref: '#/components/parameters/SessionIdPath'
    get:
      tags: [sessions]
      operationId: getIssuanceTrail
      summary: The issuance trail of a session
      description: >-
        Roles: admin, helpdesk, bench, kiosk, auditor.


        Who asked, who approved, how the person was identified, when the pass was issued, used and
        revoked, from the audit chain with the operators' names. Never a pass or a token.
      security:
        - operatorToken: []
      responses:
        '200':
          description: The session and its trail, oldest step first.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/IssuanceTrail'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such session, or not visible to this token.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/sessions/{id}/events:
    parameters:
      - $ref: '#/components/parameters/SessionIdPath'
    get:
      tags: [events]
      operationId: streamSessionEvents
      summary: Follow one session live (server-sent events)
      description: >-
        Roles: admin, helpdesk, bench, kiosk, auditor.


        A `text/event-stream` of the session's events, oldest first: without `Last-Event-ID` from the
        session's first event, with it from the next one after that id. Each event is `id:` (the audit
        sequence number), `event:` (its type) and `data:` (a `StreamEvent` as JSON), then a blank line;
        a comment line (`: keep-alive`) comes every 15 seconds. The stream ends once the session is
        closed (completed, cancelled, rejected or abandoned) and every event up to then was sent, or at once
        when the token stops working (revoked, expired, or past a rotation's grace). Events never carry a pass
        or a token. Streams are capped per operator and in total (429 beyond).
      security:
        - operatorToken: []
      parameters:
        - $ref: '#/components/parameters/LastEventID'
      responses:
        '200':
          description: The event stream.
          content:
            text/event-stream:
              schema:
                type: string
                description: Lines `id:`, `event:` and `data:` (a `StreamEvent`), each event ended by a blank line.
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_request`: `Last-Event-ID` is not an event id.'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such session, or not visible to this token.'
        '429':
          $ref: '#/components/responses/TooManyStreams'
        default:
          $ref: '#/components/responses/Problem'
  /v1/approvals:
    get:
      tags: [approvals]
      operationId: listApprovals
      summary: Sessions waiting for approval
      description: >-
        Roles: admin, helpdesk.


        Sessions in state `awaitingApproval` that the caller may see, oldest first (at most 500, no
        paging).
      security:
        - operatorToken: []
      responses:
        '200':
          description: The waiting sessions.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/SessionList'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/approvals/{id}/approve:
    parameters:
      - $ref: '#/components/parameters/SessionIdPath'
    post:
      tags: [approvals]
      operationId: approveSession
      summary: Approve issuance
      description: >-
        Roles: admin, helpdesk, with a person's token (one created with a `userPrincipalName`).


        A second operator approves a session in state `awaitingApproval`: never the person who asked
        (compared by the tokens' user principal names), nor a token that the requester's created or that
        created the requester's, nor a token made by the same operator as the requester's while the newer
        of the two is younger than the approval timeout (403 `self_approval`: whoever makes a token sees
        it), with their own `proofing` note when the policy asks for one. No pass is minted here; the session becomes `active` (or `pending` for a future
        start) and the operator who asked collects the pass. The body is optional (an empty body means
        `{}`).
      security:
        - operatorToken: []
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/ApproveRequest'
      responses:
        '200':
          description: The approved session.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/SessionView'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json` or `invalid_request` (a `proofing` field outside its grammar, a missing `proofing.reference`).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden`, `source_not_allowed`, `self_approval` or `approver_not_a_person`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such session, or not visible to this token.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`invalid_state_transition`: the session does not wait for approval.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        '422':
          $ref: '#/components/responses/Problem'
          description: '`proofing_required`, `proofing_method_not_accepted` or `proofing_id_number_refused`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/approvals/{id}/reject:
    parameters:
      - $ref: '#/components/parameters/SessionIdPath'
    post:
      tags: [approvals]
      operationId: rejectSession
      summary: Reject issuance
      description: >-
        Roles: admin, helpdesk, with a person's token (one created with a `userPrincipalName`).


        A second operator refuses a session in state `awaitingApproval`, with a reason; the session
        becomes `rejected`. Not the person who asked.
      security:
        - operatorToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/ReasonRequest'
      responses:
        '200':
          description: The rejected session.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/SessionView'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json` or `invalid_request` (`reason` missing, blank, too long or with control characters).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden`, `source_not_allowed`, `self_approval` or `approver_not_a_person`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such session, or not visible to this token.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`invalid_state_transition`: the session does not wait for approval.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/users/{userPrincipalName}/revoke:
    parameters:
      - $ref: '#/components/parameters/UserPath'
    post:
      tags: [approvals]
      operationId: revokeUser
      summary: Revoke everything of a user
      description: >-
        Roles: admin, helpdesk.


        Cancels every open session of the user that the caller may see, in one transaction: their
        passes and session tokens die, with the same audit events as single cancels.
      security:
        - operatorToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/ReasonRequest'
      responses:
        '200':
          description: The sessions that were cancelled (possibly none).
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/RevokeUserResponse'
        '400':
          $ref: '#/components/responses/Problem'
          description: >-
            `invalid_json` or `invalid_request` (the path is not a user principal name; `reason` missing,
            blank, too long or with control characters).
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/users/{userPrincipalName}/issuance-lock:
    parameters:
      - $ref: '#/components/parameters/UserPath'
    put:
      tags: [approvals]
      operationId: lockIssuance
      summary: Lock a user out of issuance
      description: >-
        Roles: admin, helpdesk.


        No pass is minted or reissued for the user until the lock ends (423 `issuance_locked`);
        replaces an earlier lock of the same scope. Audited. The lock has the caller's scope: a global
        operator's lock holds at every site, a site-scoped operator's only at its own site.
      security:
        - operatorToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/IssuanceLockRequest'
      responses:
        '200':
          description: The lock.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/IssuanceLockView'
        '400':
          $ref: '#/components/responses/Problem'
          description: >-
            `invalid_json` or `invalid_request` (the path is not a user principal name, `minutes` outside
            1 to 43200, `reason` missing, blank, too long or with control characters).
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
    delete:
      tags: [approvals]
      operationId: unlockIssuance
      summary: Lift a user's issuance lock
      description: >-
        Roles: admin, helpdesk. Audited. A global operator lifts the user's locks at every scope; a
        site-scoped operator lifts only its own site's, and gets 403 `forbidden` while a lock set by a
        global operator holds (an incident lock is not a site's to lift).
      security:
        - operatorToken: []
      responses:
        '204':
          description: The lock is lifted.
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_request`: the path is not a user principal name.'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: the user has no issuance lock.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/redeem:
    post:
      tags: [enrollment]
      operationId: redeemPass
      summary: Redeem a pass
      description: >-
        Anyone (no authentication).


        Signs in with a user principal name and a pass. The pass is read case-insensitively; spaces and
        dashes are ignored. On success the answer holds a session token (prefix `tss_`) for the
        enrollment routes, valid until the session's completion deadline. Every kind of failure
        (unknown user, wrong, expired, used, revoked or locked pass) gives the same 401 `invalid_pass`.
        In Entra mode (the user signs in at Microsoft) this route, and every route a session token opens,
        answers 409 `not_in_local_mode`.
        Not idempotent: each success uses up one sign-in of the pass.


        Failed attempts are counted per client address and user, per user and per client, an IPv6 client
        by its /64 and an IPv4 client by its address; past a limit the answer is 429 `rate_limited` with
        `Retry-After`, before the pass is looked at, so a 429 says nothing about the pass. One client
        address gets 3 failures per user, then waits out 15 minutes; from a user's second failure on,
        each further attempt for that user (from anywhere) waits 1 s, 2 s, 4 s, 8 s... until the policy's
        `failedAttemptLimit` (10 by default) locks the user's open passes (or, with
        `lockOutOnlyUnusedPasses`, those not yet used). A lock-out caused by addresses that none of the
        user's passes was ever redeemed from is also reported as a `user.lockedOutByStrangers` event.
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/RedeemRequest'
            example:
              userPrincipalName: ada@contoso.example
              temporaryAccessPass: K7QM-3XRP-HV9T
      responses:
        '200':
          description: The pass admitted a sign-in.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/RedeemResponse'
        '400':
          $ref: '#/components/responses/Problem'
          description: >-
            `invalid_json`, or `invalid_request` (a field missing or not a string, or
            `userPrincipalName` outside the grammar).
        '401':
          $ref: '#/components/responses/Problem'
          description: '`invalid_pass`: the user principal name and pass do not admit a sign-in.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`not_in_local_mode`: the server''s pass authority is Entra.'
        '429':
          description: '`rate_limited`: too many failed attempts; retry after the given number of seconds.'
          headers:
            Retry-After:
              $ref: '#/components/headers/RetryAfter'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/kiosk/enrol:
    post:
      tags: [operators]
      operationId: enrolKiosk
      summary: Exchange a kiosk enrolment code for the kiosk's token
      description: >-
        Anyone (no authentication), abuse-limited like redeem.


        A new kiosk sends the one-time code an admin created with `POST /v1/operators`
        (`withEnrolmentCode`) and gets its operator token, once. An unknown, malformed, used or expired
        code, or one of a revoked operator, gives the same 401 `invalid_enrolment_code`; failed attempts
        count per client address and past the limit the answer is 429 `rate_limited` with `Retry-After`.
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/KioskEnrolmentRequest'
            example:
              enrolmentCode: K7QM-3XRP-HV9T
      responses:
        '200':
          description: The kiosk's operator and its token.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/KioskEnrolmentResponse'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json` or `invalid_request`.'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`invalid_enrolment_code`.'
        '429':
          description: '`rate_limited`: too many failed attempts; retry after the given number of seconds.'
          headers:
            Retry-After:
              $ref: '#/components/headers/RetryAfter'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/enrollment/device:
    post:
      tags: [enrollment]
      operationId: checkInDevice
      summary: Report that device enrollment finished
      description: >-
        Session token of a `deviceEnrollment` session (from `POST /v1/redeem`), or an `mdm` operator token.


        The device reports that enrollment finished. The serial number must be the session's device and
        the session must be `inProgress`; the session completes, the device becomes `enrolled`, and the
        pass and session tokens die, in one transaction. An MDM-side script that never saw the pass
        reports with an `mdm` token by serial number alone: the open session of that device in the
        token's site completes (from `inProgress`, or `active` when the pass use was not seen here); a
        device with no open session in that site is 404.
      security:
        - sessionToken: []
        - operatorToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/DeviceCheckInRequest'
      responses:
        '200':
          description: The completed session, as a redeemer sees it.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/RedeemedSession'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json` or `invalid_request` (`serialNumber` outside its grammar, `mdmDeviceId` too long).'
        '401':
          $ref: '#/components/responses/Problem'
          description: >-
            `unauthorized` (no or malformed bearer token) or `invalid_session_token` (unknown, revoked,
            or its session is no longer under way).
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden`: an operator token of another role, or a session token of another scenario; `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: the session no longer exists, or (mdm) no open session of that device in the site.'
        '409':
          $ref: '#/components/responses/Problem'
          description: >-
            `conflict` (the serial number is not this session's device) or `invalid_state_transition`
            (the session is not `inProgress`); `not_in_local_mode` when the server's pass authority is Entra
            (its watcher learns completion from Intune).
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/enrollment/fido2/options:
    post:
      tags: [enrollment]
      operationId: fido2CreationOptions
      summary: Creation options for registering a FIDO2 key
      description: >-
        Session token of a `fido2Registration` session (from `POST /v1/redeem`).


        Answers `PublicKeyCredentialCreationOptionsJSON` (WebAuthn Level 3) for
        `PublicKeyCredential.parseCreationOptionsFromJSON`: the configured relying party, a random user
        handle (the user's existing one when they have keys), a fresh 32-byte challenge that is single-use,
        expires after the configured lifetime and is bound to this session (stored as its SHA-256 only),
        `excludeCredentials` for the user's keys, user verification required. The body may be empty or `{}`.
      security:
        - sessionToken: []
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/EmptyRequest'
      responses:
        '200':
          description: The creation options and when their challenge expires.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/CreationOptionsResponse'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json` or `invalid_request`.'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized` or `invalid_session_token`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden`: an operator token, or a session token of another scenario.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`invalid_state_transition`: the session is no longer under way.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/enrollment/fido2:
    post:
      tags: [enrollment]
      operationId: registerFido2Key
      summary: Register a FIDO2 key
      description: >-
        Session token of a `fido2Registration` session.


        The body is the `PublicKeyCredential` the browser's `navigator.credentials.create()` returned, in
        its `toJSON()` form. The challenge it answers is consumed first (whatever the verdict: a refused
        answer cannot be retried with the same challenge); then the registration is verified in the
        WebAuthn Level 3 order (docs/webauthn.md) against the configured relying party and attestation
        policy, and the key is stored with what its attestation proved. Unless the policy's
        `keyTestSignInRequired` asks for a test sign-in first, the session completes in the same transaction
        and the pass and session tokens die; otherwise the key waits as `pendingProof` for
        `POST /v1/enrollment/fido2/assertion`, and is deleted if the session ends first.
      security:
        - sessionToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/RegistrationCredential'
      responses:
        '201':
          description: The stored key and the session after it.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/KeyRegistrationResponse'
        '400':
          $ref: '#/components/responses/Problem'
          description: >-
            A `webauthn_*` code naming the refused step (`webauthn_malformed_response`,
            `webauthn_challenge_mismatch`, `webauthn_challenge_expired`, `webauthn_challenge_replayed`,
            `webauthn_challenge_holder_mismatch`, `webauthn_origin_mismatch`, `webauthn_signature_invalid`,
            `webauthn_credential_id_too_long`, …; docs/webauthn.md lists them all).
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized` or `invalid_session_token`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden`: an operator token, or a session token of another scenario.'
        '409':
          $ref: '#/components/responses/Problem'
          description: >-
            `webauthn_credential_already_registered`, or `invalid_state_transition` (the session is no
            longer under way).
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/enrollment/fido2/assertion/options:
    post:
      tags: [enrollment]
      operationId: fido2TestSignInOptions
      summary: Request options for the test sign-in with the new key
      description: >-
        Session token of a `fido2Registration` session whose key waits for its test sign-in.


        Answers `PublicKeyCredentialRequestOptionsJSON` for `PublicKeyCredential.parseRequestOptionsFromJSON`,
        with `allowCredentials` naming the session's key and a fresh single-use challenge bound to the
        session. The body may be empty or `{}`.
      security:
        - sessionToken: []
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/EmptyRequest'
      responses:
        '200':
          description: The request options and when their challenge expires.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/RequestOptionsResponse'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json` or `invalid_request`.'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized` or `invalid_session_token`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden`: an operator token, or a session token of another scenario.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`conflict` (no key of this session waits for a test sign-in) or `invalid_state_transition`.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/enrollment/fido2/assertion:
    post:
      tags: [enrollment]
      operationId: fido2TestSignIn
      summary: Prove the new key with a test sign-in
      description: >-
        Session token of a `fido2Registration` session whose key waits for its test sign-in.


        The body is the `PublicKeyCredential` that `navigator.credentials.get()` returned, in its `toJSON()`
        form. The challenge is consumed, the assertion verified with the stored key (signature, flags, user
        verification, counter, BE unchanged); the key becomes `active` and `proven`, and the session
        completes, revoking the pass.
      security:
        - sessionToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/AssertionCredential'
      responses:
        '200':
          description: The proven key and the completed session.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/KeyRegistrationResponse'
        '400':
          $ref: '#/components/responses/Problem'
          description: 'A `webauthn_*` code naming the refused step (`webauthn_credential_not_allowed`, `webauthn_signature_invalid`, …).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized` or `invalid_session_token`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden`: an operator token, or a session token of another scenario.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`conflict` or `invalid_state_transition`.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/keys:
    get:
      tags: [keys]
      operationId: listKeys
      summary: List registered FIDO2 keys
      description: >-
        Roles: admin, helpdesk, auditor.


        Keys visible to the caller (a site-scoped token sees its site's), newest first, with what each
        key's attestation proved. Pass `nextCursor` as `cursor` for the next page.
      security:
        - operatorToken: []
      parameters:
        - name: userPrincipalName
          in: query
          description: Only this user's keys.
          schema:
            $ref: '#/components/schemas/UserPrincipalName'
        - $ref: '#/components/parameters/PageLimit'
        - name: cursor
          in: query
          description: The `nextCursor` of the previous page (a key id).
          schema:
            $ref: '#/components/schemas/Identifier'
      responses:
        '200':
          description: A page of keys.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/KeyList'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_request`: a query parameter has an invalid value (`field` names it).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/keys/{id}:
    parameters:
      - name: id
        in: path
        required: true
        description: The key id (TapStation's, not the credential id).
        schema:
          $ref: '#/components/schemas/Identifier'
    delete:
      tags: [keys]
      operationId: deleteKey
      summary: Delete a registered key
      description: >-
        Roles: admin, helpdesk.


        Deletes the key (lost, stolen, or its user left); it can no longer sign in through
        `POST /v1/assertions/verify`. Audited as `key.deleted`.
      security:
        - operatorToken: []
      parameters:
        - name: reason
          in: query
          description: Why, for the audit trail (at most 500 characters).
          schema:
            type: string
            maxLength: 500
            pattern: '^[^\x00-\x1F\x7F]*$'
      responses:
        '204':
          description: Deleted.
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_request`: `reason` too long or holding control characters.'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such key, or not of this token''s site.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/assertions/options:
    post:
      tags: [keys]
      operationId: assertionOptions
      summary: Request options for a sign-in at one of the organisation's apps
      description: >-
        Roles: relyingParty.


        Answers `PublicKeyCredentialRequestOptionsJSON` with a fresh single-use challenge bound to this
        token. With `userPrincipalName`, `allowCredentials` names that user's active keys at the token's
        site; without, it is empty (a discoverable-credential sign-in).
      security:
        - operatorToken: []
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/AssertionOptionsRequest'
      responses:
        '200':
          description: The request options and when their challenge expires.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/RequestOptionsResponse'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json` or `invalid_request`.'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/assertions/verify:
    post:
      tags: [keys]
      operationId: verifyAssertion
      summary: Verify a sign-in made with a registered key
      description: >-
        Roles: relyingParty.


        The body is the `PublicKeyCredential` that `navigator.credentials.get()` returned, in its `toJSON()`
        form. The challenge must be one this token got from `POST /v1/assertions/options` (consumed now,
        whatever the verdict); the key must be active and of the token's site (and the named user's, when
        the options named one). The signature, flags and user verification are checked; the counter must
        rise when either counter is non-zero (`webauthn_sign_count_regressed` otherwise: a cloned key is the
        likely cause) and BE must be what it was at registration (`webauthn_backup_eligibility_changed`).
        The new counter and BS are stored.
      security:
        - operatorToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/AssertionCredential'
      responses:
        '200':
          description: The sign-in is genuine; who signed in.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/AssertionVerification'
        '400':
          $ref: '#/components/responses/Problem'
          description: 'A `webauthn_*` code naming the refused step.'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /enroll:
    get:
      tags: [enrollment]
      operationId: enrollPage
      summary: The FIDO2 key enrollment page
      description: >-
        Anyone (no authentication).


        A self-contained HTML page (inline script and style under a per-response nonce, a strict
        `Content-Security-Policy`, no outside assets) where a user types their user principal name and
        pass, registers a security key, proves it when policy asks, and sees a clear done or error message.
      security: []
      responses:
        '200':
          description: The page.
          content:
            text/html:
              schema:
                type: string
        default:
          $ref: '#/components/responses/Problem'
  /v1/devices:
    get:
      tags: [devices]
      operationId: listDevices
      summary: List devices
      description: >-
        Roles: admin, helpdesk, bench, kiosk, auditor.


        Devices visible to the caller, newest first. Pass `nextCursor` as `cursor` to get the next page;
        no `nextCursor` means the last page.
      security:
        - operatorToken: []
      parameters:
        - name: serialNumber
          in: query
          description: Compared case-insensitively.
          schema:
            $ref: '#/components/schemas/SerialNumber'
        - name: site
          in: query
          schema:
            $ref: '#/components/schemas/SiteName'
        - $ref: '#/components/parameters/PageLimit'
        - name: cursor
          in: query
          description: The `nextCursor` of the previous page (a device id).
          schema:
            $ref: '#/components/schemas/Identifier'
      responses:
        '200':
          description: A page of devices.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/DeviceList'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_request`: a query parameter has an invalid value (`field` names it).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/devices/{id}:
    parameters:
      - name: id
        in: path
        required: true
        description: The device id.
        schema:
          $ref: '#/components/schemas/Identifier'
    get:
      tags: [devices]
      operationId: getDevice
      summary: Read one device
      description: 'Roles: admin, helpdesk, bench, kiosk, auditor.'
      security:
        - operatorToken: []
      responses:
        '200':
          description: The device.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/DeviceView'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such device, or not visible to this token.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/audit:
    get:
      tags: [audit]
      operationId: listAuditEvents
      summary: Read the audit trail
      description: >-
        Roles: admin, auditor.


        Audit events in chain order (oldest first). A site-scoped token sees only events of its site's
        sessions. Pass `nextCursor` as `cursor` to get the next page; no `nextCursor` means the last
        page.
      security:
        - operatorToken: []
      parameters:
        - name: sessionId
          in: query
          schema:
            $ref: '#/components/schemas/Identifier'
        - name: since
          in: query
          description: Events at or after this time.
          schema:
            $ref: '#/components/schemas/InputTime'
        - name: until
          in: query
          description: Events before this time.
          schema:
            $ref: '#/components/schemas/InputTime'
        - name: type
          in: query
          schema:
            $ref: '#/components/schemas/AuditEventType'
        - name: limit
          in: query
          description: Page size.
          schema:
            type: integer
            minimum: 1
            maximum: 1000
            default: 100
        - name: cursor
          in: query
          description: >-
            The `nextCursor` of the previous page (the sequence number of the last event seen); events after
            it are answered. Any 64-bit integer is read.
          schema:
            type: integer
            format: int64
            minimum: -9223372036854775808
            maximum: 9223372036854775807
      responses:
        '200':
          description: A page of audit events.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/AuditList'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_request`: a query parameter has an invalid value (`field` names it).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/events:
    get:
      tags: [events]
      operationId: streamSiteEvents
      summary: Follow a site live (server-sent events)
      description: >-
        Roles: admin, helpdesk, bench, kiosk, auditor, board.


        A `text/event-stream` of the events of a site's sessions, in the format of
        `/v1/sessions/{id}/events`, from now on (or from the next event after `Last-Event-ID`). It stays
        open until the client leaves, the server shuts down, the stream's lifetime (an hour) ends, or the token
        stops working (revoked, expired, or past a rotation's grace). A site-scoped token follows its own site
        (naming another is 403); a global token may name a site, or name none to follow every site. Streams
        are capped per operator and in total (429 beyond).
      security:
        - operatorToken: []
      parameters:
        - name: site
          in: query
          description: The site to follow.
          schema:
            $ref: '#/components/schemas/SiteName'
        - $ref: '#/components/parameters/LastEventID'
      responses:
        '200':
          description: The event stream.
          content:
            text/event-stream:
              schema:
                type: string
                description: Lines `id:`, `event:` and `data:` (a `StreamEvent`), each event ended by a blank line.
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_request`: `site` or `Last-Event-ID` has an invalid value.'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` (another site) or `source_not_allowed`.'
        '429':
          $ref: '#/components/responses/TooManyStreams'
        default:
          $ref: '#/components/responses/Problem'
  /v1/policy:
    get:
      tags: [policy]
      operationId: getPolicy
      summary: Read the policy
      description: >-
        Roles: admin, helpdesk, bench, kiosk, auditor, mdm, relyingParty, metrics, board (any operator).
      security:
        - operatorToken: []
      responses:
        '200':
          description: The whole policy document.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Policy'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` (a session token) or `source_not_allowed`.'
        default:
          $ref: '#/components/responses/Problem'
    patch:
      tags: [policy]
      operationId: patchPolicy
      summary: Change the policy
      description: >-
        Roles: admin (global tokens only; a site-scoped admin gets 403).


        Applies an RFC 7396 JSON merge patch to the policy document: objects merge key by key, `null`
        removes a key, anything else replaces it. The result is checked as a whole (types, unknown keys,
        bounds, and consistency of every site and scenario combination) and stored only when valid. The
        answer is the whole new policy. An empty body counts as the empty patch `{}` (nothing changes).
      security:
        - operatorToken: []
      requestBody:
        required: false
        content:
          application/merge-patch+json:
            schema:
              $ref: '#/components/schemas/PolicyPatch'
            example:
              defaults:
                defaultMaxUses: 2
              overrides:
                bench-hel-1:
                  deviceEnrollment:
                    maximumLifetimeInMinutes: 120
          application/json:
            schema:
              $ref: '#/components/schemas/PolicyPatch'
      responses:
        '200':
          description: The whole policy after the patch.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Policy'
        '400':
          $ref: '#/components/responses/Problem'
          description: >-
            `invalid_json`, or `invalid_request` (the patch is not an object, a value has the wrong
            type, a key is not a policy setting, or a preset `title` holds control characters; `field`
            names it).
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` (not an admin, or a site-scoped admin) or `source_not_allowed`.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        '422':
          $ref: '#/components/responses/Problem'
          description: '`policy_violation`: the patched policy breaks a bound (`field` and `bound` say which).'
        default:
          $ref: '#/components/responses/Problem'
  /v1/operators/me:
    get:
      tags: [operators]
      operationId: getCurrentOperator
      summary: Who am I
      description: >-
        Roles: admin, helpdesk, bench, kiosk, auditor, mdm, relyingParty, metrics, board (any operator).


        The operator the token belongs to (the kiosk's start-up check).
      security:
        - operatorToken: []
      responses:
        '200':
          description: The calling operator.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/OperatorView'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` (a session token) or `source_not_allowed`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/operators:
    get:
      tags: [operators]
      operationId: listOperators
      summary: List operators
      description: >-
        Roles: admin.


        Every operator, oldest first, never with a token, with the passes each minted in the last hour
        and day (`issuance`); a site-scoped admin sees its site's operators only.
      security:
        - operatorToken: []
      responses:
        '200':
          description: The operators.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/OperatorList'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        default:
          $ref: '#/components/responses/Problem'
    post:
      tags: [operators]
      operationId: createOperator
      summary: Create an operator token
      description: >-
        Roles: admin.


        Creates an operator and its token (prefix `tso_`); the token appears in this one response only.
        Only `admin`, `helpdesk` and `auditor` tokens may be global (no `site`); the other roles need a
        site. A site-scoped admin can only create operators of its own site.
      security:
        - operatorToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/CreateOperatorRequest'
            example:
              name: bench 3
              role: bench
              site: bench-hel-1
              allowedSources: [10.20.0.0/16]
      responses:
        '201':
          description: >-
            The operator and its token; with `withEnrolmentCode` (kiosk tokens only), the operator and a
            one-time enrolment code instead, which the kiosk exchanges for its token at `/v1/kiosk/enrol`.
          headers:
            Location:
              $ref: '#/components/headers/Location'
          content:
            application/json:
              schema:
                oneOf:
                  - $ref: '#/components/schemas/CreatedOperator'
                  - $ref: '#/components/schemas/CreatedKioskOperator'
        '400':
          $ref: '#/components/responses/Problem'
          description: >-
            `invalid_json` or `invalid_request` (`name` empty, too long or with control characters, a site-bound
            role without `site`, an entry of `allowedSources` that is not an IP address or CIDR block,
            an expiration in the past, a field outside its grammar).
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` (not an admin, or another site) or `source_not_allowed`.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/operators/me/rotate:
    post:
      tags: [operators]
      operationId: rotateOwnToken
      summary: Replace your own token
      description: >-
        Roles: any operator.


        Gives the calling operator a new token, shown once; the old one keeps working for
        `graceMinutes` (default 60), so a kiosk can switch without downtime. The body is optional (an
        empty body means `{}`). Only the operator's newest token may rotate: a token in its grace period
        gets 409 `newer_token_exists` (else it could replace the new token and cut its holder off).
      security:
        - operatorToken: []
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/RotateTokenRequest'
      responses:
        '200':
          description: The operator and its new token.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/CreatedOperator'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json` or `invalid_request` (`graceMinutes` outside 0 to 10080).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` (a session token) or `source_not_allowed`.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`newer_token_exists`: the calling token was replaced by a rotation and is in its grace period.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/operators/{id}/rotate:
    parameters:
      - name: id
        in: path
        required: true
        description: The operator id.
        schema:
          $ref: '#/components/schemas/Identifier'
    post:
      tags: [operators]
      operationId: rotateOperatorToken
      summary: Replace an operator's token
      description: >-
        Roles: admin.


        As `POST /v1/operators/me/rotate`, for another operator that is not revoked. A site-scoped admin
        can only rotate operators of its site. The calling admin's own token must be its newest (409
        `newer_token_exists` from a token in its grace period).
      security:
        - operatorToken: []
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/RotateTokenRequest'
      responses:
        '200':
          description: The operator and its new token.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/CreatedOperator'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json` or `invalid_request` (`graceMinutes` outside 0 to 10080).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such operator, revoked, or not of this admin''s site.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`newer_token_exists`: the calling token was replaced by a rotation and is in its grace period.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/operators/{id}:
    parameters:
      - name: id
        in: path
        required: true
        description: The operator id.
        schema:
          $ref: '#/components/schemas/Identifier'
    delete:
      tags: [operators]
      operationId: revokeOperator
      summary: Revoke an operator token
      description: >-
        Roles: admin.


        Revokes the operator's token at once. Revoking your own token, an already revoked one, or the
        last admin that can still act is 409. A site-scoped admin can only revoke operators of its site.
      security:
        - operatorToken: []
      responses:
        '200':
          description: The revoked operator (with `revokedDateTime`).
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/OperatorView'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`: no such operator, or not of this admin''s site.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`conflict`: your own token, already revoked, or the last admin.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/sessions/batch:
    post:
      tags: [sessions]
      operationId: createSessionBatch
      summary: Create many sessions at once
      description: >-
        Roles: admin, helpdesk, bench.


        Up to 500 rows, each shaped like `POST /v1/sessions` and each created (or refused) on its own, in
        one transaction: the answer is 207 with one item per row, in order, whose `status` is what a single
        create would have answered (201 with the session and its pass, or the refusal's status with a
        `problem`). A row that cannot be read is that row's 400, not the batch's. One `Idempotency-Key`
        covers the whole batch: a retry with the same key and body answers every row as the first answer
        did, with `Idempotent-Replayed: true` and never a pass value (reissue a lost one); the same key with
        another body is 422 `idempotency_conflict`; a retry while the first is running is 409. Batch keys
        are kept apart from single-create keys. The body may be up to `TAPSTATION_MAX_BATCH_BODY_BYTES`
        (1 MiB by default).
      security:
        - operatorToken: []
      parameters:
        - $ref: '#/components/parameters/IdempotencyKey'
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/CreateSessionBatchRequest'
      responses:
        '207':
          description: One item per row.
          headers:
            Idempotent-Replayed:
              $ref: '#/components/headers/IdempotentReplayed'
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/SessionBatchResponse'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json`, or `invalid_request` (`sessions` missing, empty or over 500 rows; a bad `Idempotency-Key`).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '409':
          $ref: '#/components/responses/Problem'
          description: '`idempotency_in_progress`; `not_in_local_mode` when the server''s pass authority is Entra (create sessions one at a time there).'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        '422':
          $ref: '#/components/responses/Problem'
          description: '`idempotency_conflict`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/webhooks:
    post:
      tags: [webhooks]
      operationId: createWebhook
      summary: Register a webhook endpoint
      description: >-
        Roles: admin. A site admin's webhook belongs to its site (asking for another site, or for every
        site with `"site": null`, is 403 `forbidden`); a global admin's belongs to `site`, or to every site
        when it names none. A site's webhook receives only the events of that site's sessions.


        Every event of the session vocabulary (or only `eventTypes`) is POSTed to `url` as JSON
        (`WebhookEvent`: event id, type, time, session id, state, site and user; never a pass or token)
        with `X-TapStation-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the
        secret>`, `X-TapStation-Event` and `X-TapStation-Delivery` (the delivery id). Receivers should
        refuse a signature whose `t` is more than 300 seconds from their clock (the replay window) and
        deduplicate by event `id`. A 2xx answer delivers; anything else (redirects are not followed) is
        retried with exponential back-off (30 s doubling to at most 1 h) and dead-lettered after
        `TAPSTATION_WEBHOOK_MAX_ATTEMPTS` attempts (8 by default). Deliveries are stored, so a restart
        loses none. Each webhook's deliveries go one at a time, in order, and different webhooks' at the same
        time (a bounded number), so a receiver that does not answer delays only its own. The URL must be
        https, without credentials or an IPv6 zone id; a host that is or resolves to a loopback, private or
        link-local address, or to an IPv6 form that carries an IPv4 address (IPv4-compatible `::a.b.c.d`,
        NAT64 `64:ff9b::/96`, 6to4 `2002::/16` and `192.88.99.0/24`, Teredo `2001::/32`), is refused unless
        the server allow-lists it (`TAPSTATION_WEBHOOK_ALLOWED_NETWORKS`); every address the host resolves to
        is checked, at registration and at each attempt, and the attempt connects to the checked address.
        Without `secret` the server makes one and shows it in this answer only; secrets are stored encrypted
        under the server secret.
      security:
        - operatorToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/CreateWebhookRequest'
      responses:
        '201':
          description: The webhook; `secret` only when the server made it.
          headers:
            Location:
              $ref: '#/components/headers/Location'
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/WebhookView'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_json` or `invalid_request` (secret, description, an event type webhooks do not carry).'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` (also a site admin asking for another site or every site) or `source_not_allowed`.'
        '413':
          $ref: '#/components/responses/Problem'
          description: '`payload_too_large`.'
        '415':
          $ref: '#/components/responses/Problem'
          description: '`unsupported_media_type`.'
        '422':
          $ref: '#/components/responses/Problem'
          description: >-
            `webhook_url_refused` (field `url`): not https, credentials or a zone id in it, does not resolve, or
            an internal or IPv4-embedding address.
        default:
          $ref: '#/components/responses/Problem'
    get:
      tags: [webhooks]
      operationId: listWebhooks
      summary: List webhook endpoints
      description: >-
        Roles: admin. Every webhook that is not deleted (a site admin: its site's only); never a secret.
      security:
        - operatorToken: []
      responses:
        '200':
          description: The webhooks.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/WebhookList'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/webhooks/{id}:
    parameters:
      - $ref: '#/components/parameters/WebhookIdPath'
    get:
      tags: [webhooks]
      operationId: getWebhook
      summary: Read a webhook endpoint
      description: 'Roles: admin. Another site''s or an every-site webhook is `not_found` for a site admin.'
      security:
        - operatorToken: []
      responses:
        '200':
          description: The webhook.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/WebhookView'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`.'
        default:
          $ref: '#/components/responses/Problem'
    delete:
      tags: [webhooks]
      operationId: deleteWebhook
      summary: Delete a webhook endpoint
      description: >-
        Roles: admin. Nothing more is sent to it; its pending deliveries are cancelled, also those already
        read by the sender. Another site's or an every-site webhook is `not_found` for a site admin.
      security:
        - operatorToken: []
      responses:
        '204':
          description: Deleted.
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`.'
        default:
          $ref: '#/components/responses/Problem'
  /v1/webhooks/{id}/deliveries:
    parameters:
      - $ref: '#/components/parameters/WebhookIdPath'
    get:
      tags: [webhooks]
      operationId: listWebhookDeliveries
      summary: A webhook's deliveries
      description: >-
        Roles: admin. Newest first; filter by `state` (e.g. `deadLetter`). Another site's or an every-site
        webhook is `not_found` for a site admin.
      security:
        - operatorToken: []
      parameters:
        - name: state
          in: query
          schema:
            $ref: '#/components/schemas/WebhookDeliveryState'
        - $ref: '#/components/parameters/PageLimit'
        - name: cursor
          in: query
          description: The `nextCursor` of the previous page.
          schema:
            $ref: '#/components/schemas/Identifier'
      responses:
        '200':
          description: A page of deliveries.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/WebhookDeliveryList'
        '400':
          $ref: '#/components/responses/Problem'
          description: '`invalid_request`: a query parameter has an invalid value.'
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`, `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` or `source_not_allowed`.'
        '404':
          $ref: '#/components/responses/Problem'
          description: '`not_found`.'
        default:
          $ref: '#/components/responses/Problem'
  /metrics:
    get:
      tags: [health]
      operationId: getMetrics
      summary: Prometheus metrics
      description: >-
        A scraper on the same host (connected over loopback, not through a proxy) needs no token; any other
        needs a `metrics` (or admin) token. Sessions by state and scenario, redeems by outcome, lockouts,
        request latency histograms per route, sweeper lag, webhook backlog and dead letters.
      security:
        - {}
        - operatorToken: []
      responses:
        '200':
          description: The Prometheus text exposition format 0.0.4.
          content:
            text/plain:
              schema:
                type: string
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized` (no token and not on loopback), `token_expired` or `token_revoked`.'
        '403':
          $ref: '#/components/responses/Problem'
          description: '`forbidden` (not a metrics or admin token) or `source_not_allowed`.'
        default:
          $ref: '#/components/responses/Problem'
  /board:
    get:
      tags: [board]
      operationId: boardPage
      summary: The bench board (or its sign-in form)
      description: >-
        A wall display for one site. Without a working board cookie this is a small form for a `board`
        token; with one, the page listing the site's open sessions (state, time left, last step; never a
        pass value), kept current from `/board/events`. No outside assets; a strict Content-Security-Policy.
      security: []
      responses:
        '200':
          description: The page.
          content:
            text/html:
              schema:
                type: string
        default:
          $ref: '#/components/responses/Problem'
    post:
      tags: [board]
      operationId: boardSignIn
      summary: Sign the board in with a board token
      description: >-
        Form field `token` (a `board` operator token of one site). On success, 303 to `/board` with the
        token in an HttpOnly, Secure, SameSite=Strict cookie for `/board` only; otherwise 401 with the
        form again. The token never appears in a URL.
      security: []
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                token:
                  type: string
      responses:
        '303':
          description: Signed in; the cookie is set.
          headers:
            Location:
              $ref: '#/components/headers/Location'
        '401':
          description: Not a working board token; the form again.
          content:
            text/html:
              schema:
                type: string
        default:
          $ref: '#/components/responses/Problem'
  /board/sign-out:
    post:
      tags: [board]
      operationId: boardSignOut
      summary: Forget the board cookie
      security: []
      responses:
        '303':
          description: The cookie is cleared.
          headers:
            Location:
              $ref: '#/components/headers/Location'
        default:
          $ref: '#/components/responses/Problem'
  /board/board.css:
    get:
      tags: [board]
      operationId: boardStyle
      summary: The board's style sheet
      security: []
      responses:
        '200':
          description: CSS.
          content:
            text/css:
              schema:
                type: string
        default:
          $ref: '#/components/responses/Problem'
  /board/board.js:
    get:
      tags: [board]
      operationId: boardScript
      summary: The board's script
      security: []
      responses:
        '200':
          description: JavaScript.
          content:
            text/javascript:
              schema:
                type: string
        default:
          $ref: '#/components/responses/Problem'
  /board/sessions:
    get:
      tags: [board]
      operationId: boardSessions
      summary: The board's data
      description: >-
        Board cookie. The site's open sessions, oldest first: device, the user's name before the `@`,
        state now, the deadline that matters in that state, and the last step. Never a pass or token.
      security:
        - boardCookie: []
      responses:
        '200':
          description: A snapshot.
          content:
            application/json:
              schema:
                type: object
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`: no working board cookie.'
        default:
          $ref: '#/components/responses/Problem'
  /board/events:
    get:
      tags: [board]
      operationId: boardEvents
      summary: The board's site events
      description: Board cookie. The same stream as `GET /v1/events` for the board's site.
      security:
        - boardCookie: []
      parameters:
        - $ref: '#/components/parameters/LastEventID'
      responses:
        '200':
          description: Server-sent events.
          content:
            text/event-stream:
              schema:
                type: string
        '401':
          $ref: '#/components/responses/Problem'
          description: '`unauthorized`: no working board cookie.'
        '429':
          $ref: '#/components/responses/TooManyStreams'
        default:
          $ref: '#/components/responses/Problem'
components:
  securitySchemes:
    boardCookie:
      type: apiKey
      in: cookie
      name: tapstation_board
      description: The board token, set by `POST /board`.
    operatorToken:
      type: http
      scheme: bearer
      bearerFormat: tso_ followed by 32 characters
      description: 'An operator''s API token (`Authorization: Bearer tso_…`), shown once when it was created.'
    sessionToken:
      type: http
      scheme: bearer
      bearerFormat: tss_ followed by 32 characters
      description: 'The session token that `POST /v1/redeem` returned (`Authorization: Bearer tss_…`).'
  parameters:
    UserPath:
      name: userPrincipalName
      in: path
      required: true
      description: The user; a value outside the grammar is 400 `invalid_request`.
      schema:
        $ref: '#/components/schemas/UserPrincipalName'
    SessionIdPath:
      name: id
      in: path
      required: true
      description: The session id.
      schema:
        $ref: '#/components/schemas/Identifier'
    LastEventID:
      name: Last-Event-ID
      in: header
      required: false
      description: The `id` of the last event received; the stream resumes after it. Digits only.
      schema:
        type: string
        pattern: '^[0-9]{1,18}$'
    PageLimit:
      name: limit
      in: query
      description: Page size.
      schema:
        type: integer
        minimum: 1
        maximum: 200
        default: 50
    IdempotencyKey:
      name: Idempotency-Key
      in: header
      required: false
      description: >-
        Makes the request safe to retry: per operator, kept 24 hours. 1 to 200 visible ASCII characters.
      schema:
        type: string
        minLength: 1
        maxLength: 200
        pattern: '^[!-~]{1,200}$'
    WebhookIdPath:
      name: id
      in: path
      required: true
      description: The webhook id.
      schema:
        $ref: '#/components/schemas/Identifier'
  headers:
    Location:
      description: The path of the created resource.
      schema:
        type: string
    IdempotentReplayed:
      description: '`true` when the answer replays an earlier request with the same `Idempotency-Key`.'
      schema:
        type: string
        enum: ['true']
    WWWAuthenticate:
      description: '`Bearer`, on 401 `unauthorized`.'
      schema:
        type: string
    RetryAfter:
      description: Seconds to wait before trying again.
      required: true
      schema:
        type: string
        pattern: '^[1-9][0-9]*$'
  responses:
    TooManyStreams:
      description: >-
        `too_many_streams`: this operator's tokens hold as many event streams as one operator may, or the server
        holds as many as it allows (`TAPSTATION_MAX_EVENT_STREAMS_PER_OPERATOR`, `TAPSTATION_MAX_EVENT_STREAMS`);
        retry after the given number of seconds.
      headers:
        Retry-After:
          $ref: '#/components/headers/RetryAfter'
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
    Problem:
      description: A refusal, as an RFC 9457 problem with a stable `code`.
      headers:
        WWW-Authenticate:
          $ref: '#/components/headers/WWWAuthenticate'
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
  schemas:
    CreateSessionBatchRequest:
      type: object
      required: [sessions]
      properties:
        sessions:
          type: array
          minItems: 1
          maxItems: 500
          description: >-
            Rows shaped like `CreateSessionRequest`. Each is read and checked on its own: a row that is not
            a valid `CreateSessionRequest` is refused in its own item (400), the others still go ahead, so
            the schema does not constrain the rows themselves.
          items:
            description: A `CreateSessionRequest`.
            examples:
              - scenario: deviceEnrollment
                userPrincipalName: ada@contoso.example
                device:
                  serialNumber: C02XK1ZZJG5H
                  platform: ipados
                pass:
                  preset: apple-ade
    SessionBatchResponse:
      type: object
      required: [items]
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/SessionBatchItem'
    SessionBatchItem:
      type: object
      required: [index, status]
      properties:
        index:
          type: integer
          minimum: 0
          description: The row's position in the request, from 0.
        status:
          type: integer
          description: What a single create would have answered (201, or the refusal's status).
        session:
          $ref: '#/components/schemas/SessionView'
        problem:
          $ref: '#/components/schemas/Problem'
    WebhookDeliveryState:
      type: string
      enum: [pending, delivered, deadLetter, cancelled]
    CreateWebhookRequest:
      type: object
      required: [url]
      properties:
        url:
          type: string
          maxLength: 2048
          description: An https URL; see the operation for which hosts are refused.
          examples: ['https://itsm.contoso.example/hooks/tapstation']
        eventTypes:
          type: [array, 'null']
          description: Event types to send; absent or empty means every event of the session vocabulary.
          items:
            $ref: '#/components/schemas/AuditEventType'
        secret:
          type: [string, 'null']
          minLength: 16
          maxLength: 256
          pattern: '^[!-~]{16,256}$'
          description: The signing secret; absent means the server makes one and shows it once.
        description:
          type: [string, 'null']
          maxLength: 200
          pattern: '^[^\x00-\x1F\x7F-\x9F]*$'
        site:
          type: [string, 'null']
          minLength: 1
          maxLength: 64
          pattern: '^[A-Za-z0-9._-]{1,64}$'
          description: >-
            The one site whose sessions' events it receives. Absent: the caller's scope (a site admin's site,
            every site for a global admin); `null`: every site, for a global admin only.
    WebhookView:
      type: object
      required: [id, url, eventTypes, createdDateTime, createdBy]
      properties:
        id:
          $ref: '#/components/schemas/Identifier'
        url:
          type: string
        eventTypes:
          type: array
          items:
            $ref: '#/components/schemas/AuditEventType'
        description:
          type: string
        createdDateTime:
          type: string
          format: date-time
        createdBy:
          $ref: '#/components/schemas/Identifier'
        site:
          $ref: '#/components/schemas/SiteName'
          description: The one site whose sessions' events it receives; absent for a webhook of every site.
        secret:
          type: string
          description: Only in the answer that created the webhook with a server-made secret.
    WebhookList:
      type: object
      required: [items]
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/WebhookView'
    WebhookDeliveryView:
      type: object
      required: [id, eventId, eventType, state, attempts, createdDateTime]
      properties:
        id:
          $ref: '#/components/schemas/Identifier'
        eventId:
          type: string
        eventType:
          $ref: '#/components/schemas/AuditEventType'
        sessionId:
          $ref: '#/components/schemas/Identifier'
        state:
          $ref: '#/components/schemas/WebhookDeliveryState'
        attempts:
          type: integer
          minimum: 0
        nextAttemptDateTime:
          type: string
          format: date-time
        lastAttemptDateTime:
          type: string
          format: date-time
        lastStatus:
          type: integer
        lastError:
          type: string
        createdDateTime:
          type: string
          format: date-time
        deliveredDateTime:
          type: string
          format: date-time
    WebhookDeliveryList:
      type: object
      required: [items]
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/WebhookDeliveryView'
        nextCursor:
          type: string
    WebhookEvent:
      type: object
      description: The body of a webhook delivery. Never a pass or a token.
      required: [id, type, time, sessionId, state, site, userPrincipalName]
      properties:
        id:
          type: string
          description: The event id (audit sequence); the same event is never sent with another id.
        type:
          $ref: '#/components/schemas/AuditEventType'
        time:
          type: string
          format: date-time
        sessionId:
          $ref: '#/components/schemas/Identifier'
        state:
          $ref: '#/components/schemas/SessionState'
        site:
          $ref: '#/components/schemas/SiteName'
        userPrincipalName:
          $ref: '#/components/schemas/UserPrincipalName'
    Identifier:
      type: string
      description: A lower-case, time-ordered (UUIDv7-style) id.
      minLength: 36
      maxLength: 36
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      examples: ['019a4b5c-7d20-7e3f-8a1b-2c3d4e5f6a7b']
    InputTime:
      type: string
      format: date-time
      description: >-
        An RFC 3339 time as the server reads it: upper-case `T` and `Z`, fractional seconds optional, and
        an offset of at most 18 hours (`2026-12-01T08:00:00Z`, `2026-12-01T10:00:00.5+02:00`).
      pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-](?:(?:0[0-9]|1[0-7]):[0-5][0-9]|18:00))$'
      examples: ['2026-12-01T08:00:00Z']
    UserPrincipalName:
      type: string
      description: >-
        `local@domain`, compared case-insensitively and answered lower-cased: at most 113 characters;
        the local part is ASCII letters, digits and `. _ - ' +`; the domain is dot-separated labels of
        letters, digits and inner hyphens.
      minLength: 3
      maxLength: 113
      pattern: '^[A-Za-z0-9._''+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$'
      examples: [ada@contoso.example]
    SerialNumber:
      type: string
      description: 1 to 64 ASCII letters, digits and `-`; answered upper-cased.
      minLength: 1
      maxLength: 64
      pattern: '^[A-Za-z0-9-]{1,64}$'
      examples: [C02XK1ZZJG5H]
    SiteName:
      type: string
      description: 1 to 64 ASCII letters, digits, `-`, `_` and `.`; answered lower-cased.
      minLength: 1
      maxLength: 64
      pattern: '^[A-Za-z0-9._-]{1,64}$'
      examples: [bench-hel-1]
    SubjectPattern:
      type: string
      description: >-
        A user principal name, or a pattern where `*` stands for any run of characters
        (`*@contoso.example`, `adm-*@contoso.example`); matched case-insensitively, answered lower-cased.
      minLength: 1
      maxLength: 128
      pattern: '^[A-Za-z0-9._''+*@-]{1,128}$'
    Scenario:
      type: string
      description: '`deviceEnrollment` (the session names a device) or `fido2Registration`.'
      enum: [deviceEnrollment, fido2Registration]
    DevicePlatform:
      type: string
      enum: [ios, ipados, android, windows, macos, linux, other]
    EnrollmentState:
      type: string
      enum: [pending, enrolling, enrolled, failed, retired]
    StreamEvent:
      type: object
      description: One server-sent event's data (the same JSON that webhooks carry). Never a pass or a token.
      required: [id, type, time, sessionId, state]
      additionalProperties: false
      properties:
        id:
          type: string
          description: The audit sequence number; send it back as `Last-Event-ID` to resume.
        type:
          $ref: '#/components/schemas/AuditEventType'
        time:
          type: string
          format: date-time
        sessionId:
          $ref: '#/components/schemas/Identifier'
        state:
          $ref: '#/components/schemas/SessionState'
    SessionState:
      type: string
      description: >-
        `awaitingApproval` (no pass yet), `pending` (start time in the future), `active` (usable, not
        used), `inProgress` (used at least once), `expired`, `lockedOut`, and the terminal `completed`,
        `cancelled`, `rejected`, `abandoned`.
      enum: [awaitingApproval, pending, active, inProgress, expired, lockedOut, completed, cancelled, rejected, abandoned]
    MethodUsabilityReason:
      type: string
      description: >-
        Why the pass can or cannot be used now, in Entra's words where they exist. Precedence when
        several hold: Revoked > LockedOut > OneTimeUsed > Expired > NotYetValid > DisabledByPolicy.
      enum: [EnabledByPolicy, NotYetValid, Expired, OneTimeUsed, DisabledByPolicy, Revoked, LockedOut]
    Role:
      type: string
      description: Only `admin`, `helpdesk` and `auditor` tokens may be global; the others belong to one site.
      enum: [admin, helpdesk, bench, kiosk, auditor, mdm, relyingParty, metrics, board]
    AuditEventType:
      type: string
      enum:
        - session.created
        - session.approved
        - session.rejected
        - pass.issued
        - pass.used
        - pass.refused
        - pass.expired
        - pass.locked
        - user.lockedOutByStrangers
        - pass.revoked
        - pass.revocationConfirmed
        - device.enrolled
        - key.registered
        - key.verified
        - session.completed
        - session.cancelled
        - session.abandoned
        - operator.created
        - operator.revoked
        - policy.changed
        - secret.rotated
        - issuance.locked
        - issuance.unlocked
        - operator.rotated
        - request.refused
        - key.deleted
        - webhook.created
        - webhook.deleted
        - sessions.purged
    Proofing:
      type: object
      description: >-
        How the person receiving the pass was identified. `inPerson`, `managerAttested`, `ticket` and
        `callback` need a `reference` that is not blank (400 otherwise). Notes keep the kind of document
        and its last digits, never the number: `checkedBy` and `reference` may not hold more than 4
        digits in a row, where digits separated by single spaces, dashes or dots count as one run (422
        `proofing_id_number_refused` otherwise).
      required: [method]
      properties:
        method:
          $ref: '#/components/schemas/ProofingMethod'
        checkedBy:
          type: [string, 'null']
          description: Who checked (a user principal name or a name); one line, no control characters.
          maxLength: 200
          pattern: '^[^0-9\x00-\x1F\x7F-\x9F]*(?:[0-9](?:[ .\x2D]?[0-9]){0,3}(?:[^0-9 .\x2D\x00-\x1F\x7F-\x9F]|[ .\x2D][^0-9\x00-\x1F\x7F-\x9F])[^0-9\x00-\x1F\x7F-\x9F]*)*(?:[0-9](?:[ .\x2D]?[0-9]){0,3}[ .\x2D]?)?$'
        reference:
          type: [string, 'null']
          description: A ticket number, or the kind of document and its last digits; one line, no control characters.
          maxLength: 200
          pattern: '^[^0-9\x00-\x1F\x7F-\x9F]*(?:[0-9](?:[ .\x2D]?[0-9]){0,3}(?:[^0-9 .\x2D\x00-\x1F\x7F-\x9F]|[ .\x2D][^0-9\x00-\x1F\x7F-\x9F])[^0-9\x00-\x1F\x7F-\x9F]*)*(?:[0-9](?:[ .\x2D]?[0-9]){0,3}[ .\x2D]?)?$'
      if:
        required: [method]
        properties:
          method:
            enum: [inPerson, managerAttested, ticket, callback]
      then:
        required: [reference]
        properties:
          reference:
            type: string
            pattern: '[^\s\x00-\x1F\x7F-\x9F]'
    ProofingMethod:
      type: string
      enum: [inPerson, managerAttested, videoCall, callback, ticket]
    Approval:
      type: object
      description: The four-eyes record of a session whose issuance needed a second operator.
      required: [deadline]
      properties:
        deadline:
          type: string
          format: date-time
          description: The request is rejected (reason `timeout`) if nobody decides by then.
        decision:
          type: string
          enum: [approved, rejected]
          description: Absent while waiting.
        decidedBy:
          $ref: '#/components/schemas/Identifier'
        decidedAt:
          type: string
          format: date-time
        approverProofing:
          $ref: '#/components/schemas/Proofing'
        reason:
          type: string
          description: Why it was rejected (`timeout` when nobody decided in time).
    ApproveRequest:
      type: object
      properties:
        proofing:
          description: The approver's own note of how the person was identified, when the policy asks for one.
          anyOf:
            - $ref: '#/components/schemas/Proofing'
            - type: 'null'
    ReasonRequest:
      type: object
      required: [reason]
      properties:
        reason:
          $ref: '#/components/schemas/Reason'
    Reason:
      type: string
      description: Why; 1 to 500 characters, not blank, no control characters.
      minLength: 1
      maxLength: 500
      pattern: '^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$'
    RevokeUserResponse:
      type: object
      required: [cancelledSessions]
      properties:
        cancelledSessions:
          type: array
          items:
            $ref: '#/components/schemas/Identifier'
    IssuanceLockRequest:
      type: object
      required: [minutes, reason]
      properties:
        minutes:
          type: integer
          description: How long, from 1 minute to 30 days.
          minimum: 1
          maximum: 43200
        reason:
          $ref: '#/components/schemas/Reason'
    IssuanceLockView:
      type: object
      required: [userPrincipalName, lockedUntil, reason]
      properties:
        userPrincipalName:
          $ref: '#/components/schemas/UserPrincipalName'
        lockedUntil:
          type: string
          format: date-time
        reason:
          type: string
    RotateTokenRequest:
      type: object
      properties:
        graceMinutes:
          type: [integer, 'null']
          description: How long the old token keeps working, 0 to 7 days (default 60 minutes).
          minimum: 0
          maximum: 10080
    ActorSummary:
      type: object
      description: Who did something, with the operator's name when it is an operator.
      required: [id]
      properties:
        id:
          type: string
          description: An operator id, or `system`, `redeem`, `local-cli`, `session-token:<session id>`.
        name:
          type: string
        role:
          $ref: '#/components/schemas/Role'
        site:
          $ref: '#/components/schemas/SiteName'
        userPrincipalName:
          $ref: '#/components/schemas/UserPrincipalName'
    TrailStep:
      type: object
      required: [time, type, actor, data]
      properties:
        time:
          type: string
          format: date-time
        type:
          $ref: '#/components/schemas/AuditEventType'
        actor:
          $ref: '#/components/schemas/ActorSummary'
        data:
          type: object
          description: Facts of the step (proofing method, uses left, client address, reason); never a pass or a token.
    IssuanceTrail:
      type: object
      required: [session, requestedBy, steps]
      properties:
        session:
          $ref: '#/components/schemas/SessionView'
        requestedBy:
          $ref: '#/components/schemas/ActorSummary'
        steps:
          type: array
          items:
            $ref: '#/components/schemas/TrailStep'
    DeviceInput:
      type: object
      required: [serialNumber, platform]
      properties:
        serialNumber:
          $ref: '#/components/schemas/SerialNumber'
        platform:
          $ref: '#/components/schemas/DevicePlatform'
        model:
          type: [string, 'null']
          description: No control characters.
          maxLength: 100
          pattern: '^[^\x00-\x1F\x7F-\x9F]*$'
        assetTag:
          type: [string, 'null']
          description: No control characters.
          maxLength: 64
          pattern: '^[^\x00-\x1F\x7F-\x9F]*$'
    PassRequest:
      type: object
      description: >-
        The pass terms asked for; every field optional, defaulting from the preset, then the policy in
        force for the site and scenario. Values outside the policy are 422 `policy_violation`. When both
        `isUsableOnce` and `maxUses` are sent they must agree (`true` with 1, `false` with more than 1).
      properties:
        preset:
          anyOf:
            - $ref: '#/components/schemas/PresetName'
            - type: 'null'
        lifetimeInMinutes:
          type: [integer, 'null']
          description: Within the policy's minimum and maximum lifetime.
          minimum: 10
          maximum: 43200
        maxUses:
          type: [integer, 'null']
          description: Sign-ins the pass admits; at most the policy's `maximumUses`.
          minimum: 1
          maximum: 10
        isUsableOnce:
          type: [boolean, 'null']
          description: >-
            `true` means `maxUses: 1`. `false` without `maxUses` needs a preset or policy default above 1
            (400 naming `pass.isUsableOnce` otherwise).
        startDateTime:
          anyOf:
            - $ref: '#/components/schemas/InputTime'
            - type: 'null'
          description: >-
            A start in the future (at most 30 days ahead) makes the session `pending`; a time in the past
            means now.
      if:
        required: [isUsableOnce, maxUses]
        properties:
          isUsableOnce:
            type: boolean
          maxUses:
            type: integer
      then:
        anyOf:
          - properties:
              isUsableOnce:
                const: true
              maxUses:
                const: 1
          - properties:
              isUsableOnce:
                const: false
              maxUses:
                minimum: 2
    ReissuePassRequest:
      type: object
      description: >-
        The terms of the reissued pass, as in `PassRequest` but without `startDateTime`: a reissued pass
        starts now.
      properties:
        preset:
          anyOf:
            - $ref: '#/components/schemas/PresetName'
            - type: 'null'
        lifetimeInMinutes:
          type: [integer, 'null']
          description: Within the policy's minimum and maximum lifetime.
          minimum: 10
          maximum: 43200
        maxUses:
          type: [integer, 'null']
          description: Sign-ins the pass admits; at most the policy's `maximumUses`.
          minimum: 1
          maximum: 10
        isUsableOnce:
          type: [boolean, 'null']
          description: >-
            `true` means `maxUses: 1`. `false` without `maxUses` needs a preset or policy default above 1
            (400 naming `pass.isUsableOnce` otherwise).
        startDateTime:
          type: 'null'
          description: A reissued pass starts now, so a time here is refused (400); `null` counts as absent.
      if:
        required: [isUsableOnce, maxUses]
        properties:
          isUsableOnce:
            type: boolean
          maxUses:
            type: integer
      then:
        anyOf:
          - properties:
              isUsableOnce:
                const: true
              maxUses:
                const: 1
          - properties:
              isUsableOnce:
                const: false
              maxUses:
                minimum: 2
    AddressBlock:
      type: string
      description: >-
        An IPv4 or IPv6 address (`192.0.2.7`, `2001:db8::1`) or a CIDR block (`10.20.0.0/16`,
        `2001:db8::/32`). An IPv4-mapped IPv6 address counts as its IPv4 address, so its prefix is at most 32.
      anyOf:
        - pattern: '^(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}(?:/(?:3[0-2]|[12]?[0-9]))?$'
        - pattern: '^(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:))(?:/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))?$'
      examples: [10.20.0.0/16]
    PresetName:
      type: string
      description: >-
        A preset name from the policy (`apple-ade`); a name the policy does not have is 400
        `invalid_request` naming `pass.preset`.
      pattern: '^[a-z0-9._-]{1,64}$'
      examples: [apple-ade]
    CreateSessionRequest:
      type: object
      description: '`deviceEnrollment` needs `device`; `fido2Registration` must not have one.'
      required: [scenario, userPrincipalName]
      if:
        required: [scenario]
        properties:
          scenario:
            const: fido2Registration
      then:
        properties:
          device:
            type: 'null'
      else:
        required: [device]
        properties:
          device:
            type: object
      properties:
        scenario:
          $ref: '#/components/schemas/Scenario'
        userPrincipalName:
          $ref: '#/components/schemas/UserPrincipalName'
        device:
          anyOf:
            - $ref: '#/components/schemas/DeviceInput'
            - type: 'null'
        site:
          anyOf:
            - $ref: '#/components/schemas/SiteName'
            - type: 'null'
        reason:
          type: [string, 'null']
          description: One line, no control characters.
          maxLength: 500
          pattern: '^[^\x00-\x1F\x7F-\x9F]*$'
        proofing:
          anyOf:
            - $ref: '#/components/schemas/Proofing'
            - type: 'null'
        pass:
          anyOf:
            - $ref: '#/components/schemas/PassRequest'
            - type: 'null'
        replaceExisting:
          type: [boolean, 'null']
          description: >-
            Entra mode: delete a Temporary Access Pass the user already holds instead of refusing with
            `entra_tap_exists`. Ignored in local mode.
    CancelRequest:
      type: object
      properties:
        reason:
          type: [string, 'null']
          description: No control characters.
          maxLength: 500
          pattern: '^[^\x00-\x1F\x7F-\x9F]*$'
    PassView:
      type: object
      description: >-
        The session's live pass. `temporaryAccessPass` is present only in the response that minted it.
      required:
        - startDateTime
        - lifetimeInMinutes
        - expirationDateTime
        - maxUses
        - usesRemaining
        - isUsableOnce
        - isUsable
        - methodUsabilityReason
      properties:
        temporaryAccessPass:
          type: string
          description: >-
            The pass value. A local pass is in groups of four separated by dashes (`K7QM-3XRP-HV9T`); an
            Entra pass is exactly as Entra made it.
          examples: [K7QM-3XRP-HV9T]
        startDateTime:
          type: string
          format: date-time
        lifetimeInMinutes:
          type: integer
        expirationDateTime:
          type: string
          format: date-time
        maxUses:
          type: integer
        usesRemaining:
          type: integer
          minimum: 0
        isUsableOnce:
          type: boolean
          description: '`true` when `maxUses` is 1.'
        isUsable:
          type: boolean
          description: '`true` exactly when `methodUsabilityReason` is `EnabledByPolicy`.'
        methodUsabilityReason:
          $ref: '#/components/schemas/MethodUsabilityReason'
        authority:
          type: string
          enum: [local, entra]
          description: Present for an Entra pass (`entra`).
    EntraPassView:
      type: object
      description: Entra mode only. Where the session's Temporary Access Pass stands in Entra.
      required: [provisioning, usesCounted]
      properties:
        methodId:
          type: string
          description: The authentication method id Graph gave the pass.
        provisioning:
          type: string
          enum: [provisioning, issued, failed]
          description: >-
            `provisioning` while Graph's answer is not recorded (a create in flight, or one a crash
            interrupted, which start-up reconciliation deletes); `issued`; `failed` (Graph refused, or
            what it made was deleted).
        revocation:
          type: string
          enum: [pending, confirmed]
          description: >-
            Absent while the pass lives. `pending` from the transaction that completed or cancelled the
            session until Graph confirms the delete (retried, across restarts), then `confirmed`.
        usesCounted:
          type: boolean
          description: >-
            Always `false`. Entra does not count uses, so `maxUses` above 1 is not enforced there.
    DeviceView:
      type: object
      required: [id, serialNumber, platform, site, enrollmentState, createdDateTime]
      properties:
        id:
          $ref: '#/components/schemas/Identifier'
        serialNumber:
          $ref: '#/components/schemas/SerialNumber'
        platform:
          $ref: '#/components/schemas/DevicePlatform'
        model:
          type: string
        assetTag:
          type: string
        site:
          $ref: '#/components/schemas/SiteName'
        enrollmentState:
          $ref: '#/components/schemas/EnrollmentState'
        mdmDeviceId:
          type: string
        lastSeenDateTime:
          type: string
          format: date-time
        createdDateTime:
          type: string
          format: date-time
    SessionView:
      type: object
      description: >-
        A session with its state at the moment of the answer. `pass` is the latest pass, if one was
        minted; its value appears only in the answer that minted it. `approval` is there when issuance
        needed a second operator.
      required:
        - id
        - scenario
        - state
        - site
        - userPrincipalName
        - createdBy
        - createdDateTime
        - updatedDateTime
        - completionDeadline
        - privilegedSubject
      properties:
        id:
          $ref: '#/components/schemas/Identifier'
        scenario:
          $ref: '#/components/schemas/Scenario'
        state:
          $ref: '#/components/schemas/SessionState'
        site:
          $ref: '#/components/schemas/SiteName'
        userPrincipalName:
          $ref: '#/components/schemas/UserPrincipalName'
        device:
          $ref: '#/components/schemas/DeviceView'
        reason:
          type: string
        proofing:
          $ref: '#/components/schemas/Proofing'
        createdBy:
          $ref: '#/components/schemas/Identifier'
        createdDateTime:
          type: string
          format: date-time
        updatedDateTime:
          type: string
          format: date-time
        completionDeadline:
          type: string
          format: date-time
          description: How long the enrollment may take; before the first use, the pass start plus the policy's deadline.
        firstUsedDateTime:
          type: string
          format: date-time
        closedDateTime:
          type: string
          format: date-time
        pass:
          $ref: '#/components/schemas/PassView'
        approval:
          $ref: '#/components/schemas/Approval'
        privilegedSubject:
          type: boolean
          description: Whether the user matched the policy's privileged subjects when the session was created.
        entra:
          $ref: '#/components/schemas/EntraPassView'
    SessionList:
      type: object
      required: [items]
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/SessionView'
        nextCursor:
          description: Present when there are more sessions; pass it as `cursor`.
          $ref: '#/components/schemas/Identifier'
    DeviceList:
      type: object
      required: [items]
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/DeviceView'
        nextCursor:
          description: Present when there are more devices; pass it as `cursor`.
          $ref: '#/components/schemas/Identifier'
    RedeemRequest:
      type: object
      required: [userPrincipalName, temporaryAccessPass]
      properties:
        userPrincipalName:
          $ref: '#/components/schemas/UserPrincipalName'
        temporaryAccessPass:
          type: string
          description: >-
            The pass as typed; case-insensitive, spaces and dashes ignored. Anything that is not a valid
            pass is refused with 401 `invalid_pass`, like a wrong one.
    DeviceSummary:
      type: object
      required: [serialNumber, platform]
      properties:
        serialNumber:
          $ref: '#/components/schemas/SerialNumber'
        platform:
          $ref: '#/components/schemas/DevicePlatform'
        model:
          type: string
    EmptyRequest:
      type: object
      description: An empty object; members are ignored.
    Base64URL:
      type: string
      description: Binary data, base64url without padding.
      pattern: '^[A-Za-z0-9_-]*$'
    CreationOptionsResponse:
      type: object
      required: [challengeExpirationDateTime, publicKey]
      properties:
        challengeExpirationDateTime:
          type: string
          format: date-time
        publicKey:
          type: object
          description: '`PublicKeyCredentialCreationOptionsJSON` (WebAuthn Level 3 §5.1.3.1).'
          required: [rp, user, challenge, pubKeyCredParams]
    RequestOptionsResponse:
      type: object
      required: [challengeExpirationDateTime, publicKey]
      properties:
        challengeExpirationDateTime:
          type: string
          format: date-time
        publicKey:
          type: object
          description: '`PublicKeyCredentialRequestOptionsJSON` (WebAuthn Level 3 §5.5.1).'
          required: [challenge, rpId]
    RegistrationCredential:
      type: object
      description: 'A `PublicKeyCredential` from `navigator.credentials.create()`, as its `toJSON()` writes it.'
      required: [id, rawId, type, response]
      properties:
        id:
          $ref: '#/components/schemas/Base64URL'
        rawId:
          $ref: '#/components/schemas/Base64URL'
        type:
          type: string
          enum: [public-key]
        response:
          type: object
          required: [clientDataJSON, attestationObject]
          properties:
            clientDataJSON:
              $ref: '#/components/schemas/Base64URL'
            attestationObject:
              $ref: '#/components/schemas/Base64URL'
            transports:
              type: array
              items:
                type: string
    AssertionCredential:
      type: object
      description: 'A `PublicKeyCredential` from `navigator.credentials.get()`, as its `toJSON()` writes it.'
      required: [id, rawId, type, response]
      properties:
        id:
          $ref: '#/components/schemas/Base64URL'
        rawId:
          $ref: '#/components/schemas/Base64URL'
        type:
          type: string
          enum: [public-key]
        response:
          type: object
          required: [clientDataJSON, authenticatorData, signature]
          properties:
            clientDataJSON:
              $ref: '#/components/schemas/Base64URL'
            authenticatorData:
              $ref: '#/components/schemas/Base64URL'
            signature:
              $ref: '#/components/schemas/Base64URL'
            userHandle:
              $ref: '#/components/schemas/Base64URL'
    KeyAttestation:
      type: object
      description: What the key's attestation proved.
      required: [format, type, trust, certificateFingerprints]
      properties:
        format:
          type: string
          description: '`none`, `packed`, `fido-u2f`, `tpm`, `android-key`, `apple` or `android-safetynet`.'
        type:
          type: string
          description: '`none`, `self`, `basic`, `attca` or `anonca`.'
        trust:
          type: string
          enum: [unattested, self, unanchored, anchored]
          description: >-
            `unattested` (no attestation), `self` (the key signed for itself), `unanchored` (the statement
            and certificates verified, but no anchor is known for them: the vendor is not proven),
            `anchored` (the chain reached a shipped or configured anchor).
        anchorFingerprint:
          type: string
          description: SHA-256 of the anchor certificate, lower-case hex.
        anchorSubject:
          type: string
        certificateFingerprints:
          type: array
          description: SHA-256 of each x5c certificate, leaf first, lower-case hex.
          items:
            type: string
        leafSubject:
          type: string
    KeyView:
      type: object
      required: [id, credentialId, userPrincipalName, site, sessionId, status, proven, aaguid, algorithm, publicKey,
                 signCount, transports, backupEligible, backupState, userVerified, attestation, createdDateTime]
      properties:
        id:
          $ref: '#/components/schemas/Identifier'
        credentialId:
          $ref: '#/components/schemas/Base64URL'
        userPrincipalName:
          $ref: '#/components/schemas/UserPrincipalName'
        site:
          $ref: '#/components/schemas/SiteName'
        sessionId:
          $ref: '#/components/schemas/Identifier'
        status:
          type: string
          enum: [pendingProof, active]
        proven:
          type: boolean
          description: Whether the key proved itself in a test sign-in during enrollment.
        aaguid:
          type: string
          description: The authenticator model as claimed (proven only when `attestation.trust` is `anchored`).
        algorithm:
          type: integer
          description: COSE algorithm (-7 ES256, -8 EdDSA, -257 RS256, …).
        publicKey:
          $ref: '#/components/schemas/Base64URL'
        signCount:
          type: integer
          minimum: 0
        transports:
          type: array
          items:
            type: string
        backupEligible:
          type: boolean
        backupState:
          type: boolean
        userVerified:
          type: boolean
        attestation:
          $ref: '#/components/schemas/KeyAttestation'
        createdDateTime:
          type: string
          format: date-time
        lastUsedDateTime:
          type: string
          format: date-time
    KeyList:
      type: object
      required: [items]
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/KeyView'
        nextCursor:
          description: Present when there are more keys; pass it as `cursor`.
          $ref: '#/components/schemas/Identifier'
    KeyRegistrationResponse:
      type: object
      required: [key, session, testSignInRequired]
      properties:
        key:
          $ref: '#/components/schemas/KeyView'
        session:
          $ref: '#/components/schemas/RedeemedSession'
        testSignInRequired:
          type: boolean
          description: True when the key must still prove itself before the session completes.
    AssertionOptionsRequest:
      type: object
      properties:
        userPrincipalName:
          description: The user signing in; absent or `null` for a discoverable-credential sign-in.
          oneOf:
            - $ref: '#/components/schemas/UserPrincipalName'
            - type: 'null'
    AssertionVerification:
      type: object
      required: [verified, keyId, credentialId, userPrincipalName, userVerified, backupEligible, backupState, signCount]
      properties:
        verified:
          type: boolean
          enum: [true]
        keyId:
          $ref: '#/components/schemas/Identifier'
        credentialId:
          $ref: '#/components/schemas/Base64URL'
        userPrincipalName:
          $ref: '#/components/schemas/UserPrincipalName'
        userVerified:
          type: boolean
        backupEligible:
          type: boolean
        backupState:
          type: boolean
        signCount:
          type: integer
          minimum: 0
    RedeemedSession:
      type: object
      description: The part of a session a device or user learns by redeeming.
      required: [id, scenario, state, userPrincipalName]
      properties:
        id:
          $ref: '#/components/schemas/Identifier'
        scenario:
          $ref: '#/components/schemas/Scenario'
        state:
          $ref: '#/components/schemas/SessionState'
        userPrincipalName:
          $ref: '#/components/schemas/UserPrincipalName'
        device:
          $ref: '#/components/schemas/DeviceSummary'
    RedeemResponse:
      type: object
      required: [sessionToken, sessionExpirationDateTime, session]
      properties:
        sessionToken:
          type: string
          description: Bearer token for the enrollment routes of this session.
          pattern: '^tss_[a-kmnp-z2-9]{32}$'
        sessionExpirationDateTime:
          type: string
          format: date-time
          description: The session's completion deadline.
        session:
          $ref: '#/components/schemas/RedeemedSession'
    DeviceCheckInRequest:
      type: object
      required: [serialNumber]
      properties:
        serialNumber:
          $ref: '#/components/schemas/SerialNumber'
        mdmDeviceId:
          type: [string, 'null']
          description: The MDM's id for the device; no control characters.
          maxLength: 128
          pattern: '^[^\x00-\x1F\x7F-\x9F]*$'
    OperatorView:
      type: object
      description: An operator as the API shows it (never the token).
      required: [id, name, role, allowedSubjects, allowedSources, createdDateTime]
      properties:
        id:
          $ref: '#/components/schemas/Identifier'
        name:
          type: string
        role:
          $ref: '#/components/schemas/Role'
        site:
          description: The one site the token belongs to; absent for a global token.
          $ref: '#/components/schemas/SiteName'
        userPrincipalName:
          $ref: '#/components/schemas/UserPrincipalName'
        allowedSubjects:
          type: array
          description: Subjects this token may mint passes for; empty means any subject that is not privileged.
          items:
            $ref: '#/components/schemas/SubjectPattern'
        allowedSources:
          type: array
          description: Client addresses or CIDR blocks the token may be used from; empty means anywhere.
          items:
            type: string
        createdDateTime:
          type: string
          format: date-time
        createdBy:
          $ref: '#/components/schemas/Identifier'
        expirationDateTime:
          type: string
          format: date-time
        revokedDateTime:
          type: string
          format: date-time
        issuance:
          description: Passes this operator minted in the last hour and day (in `GET /v1/operators` only).
          $ref: '#/components/schemas/IssuanceCount'
    IssuanceCount:
      type: object
      required: [lastHour, lastDay]
      properties:
        lastHour:
          type: integer
          minimum: 0
        lastDay:
          type: integer
          minimum: 0
    CreateOperatorRequest:
      type: object
      description: >-
        A role other than `admin`, `helpdesk` and `auditor` needs a `site`; `withEnrolmentCode: true` is for
        the `kiosk` role only.
      required: [name, role]
      dependentSchemas:
        withEnrolmentCode:
          if:
            required: [withEnrolmentCode]
            properties:
              withEnrolmentCode:
                const: true
          then:
            properties:
              role:
                const: kiosk
      if:
        required: [role]
        properties:
          role:
            not:
              enum: [admin, helpdesk, auditor]
      then:
        required: [site]
        properties:
          site:
            type: string
      properties:
        name:
          type: string
          description: >-
            1 to 100 characters on one line (surrounding spaces trimmed), no control characters or line
            separators, and not only spaces.
          minLength: 1
          maxLength: 100
          pattern: '^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$'
          not:
            pattern: '[\u2028\u2029]'
        role:
          $ref: '#/components/schemas/Role'
        site:
          description: Required unless the role is `admin`, `helpdesk` or `auditor`.
          anyOf:
            - $ref: '#/components/schemas/SiteName'
            - type: 'null'
        userPrincipalName:
          description: The person behind the token, when it is a person's.
          anyOf:
            - $ref: '#/components/schemas/UserPrincipalName'
            - type: 'null'
        allowedSubjects:
          type: [array, 'null']
          items:
            $ref: '#/components/schemas/SubjectPattern'
        allowedSources:
          type: [array, 'null']
          description: IP addresses or CIDR blocks.
          items:
            $ref: '#/components/schemas/AddressBlock'
        expirationDateTime:
          anyOf:
            - $ref: '#/components/schemas/InputTime'
            - type: 'null'
          description: Must be in the future.
        withEnrolmentCode:
          type: [boolean, 'null']
          description: >-
            For a `kiosk` token only (else 400): answer a one-time enrolment code, valid for an hour, instead
            of the token, so that no token is copied onto the kiosk by hand.
    CreatedOperator:
      type: object
      required: [operator, token]
      properties:
        operator:
          $ref: '#/components/schemas/OperatorView'
        token:
          type: string
          description: The operator token, shown here once.
          pattern: '^tso_[a-kmnp-z2-9]{32}$'
    CreatedKioskOperator:
      type: object
      required: [operator, enrolmentCode, enrolmentCodeExpirationDateTime]
      properties:
        operator:
          $ref: '#/components/schemas/OperatorView'
        enrolmentCode:
          type: string
          description: The one-time enrolment code, shown here once, in groups of four.
          pattern: '^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$'
        enrolmentCodeExpirationDateTime:
          type: string
          format: date-time
    KioskEnrolmentRequest:
      type: object
      required: [enrolmentCode]
      properties:
        enrolmentCode:
          type: string
          description: As typed; case-insensitive, spaces and dashes ignored.
    KioskEnrolmentResponse:
      type: object
      required: [operator, token]
      properties:
        operator:
          $ref: '#/components/schemas/OperatorView'
        token:
          type: string
          description: The kiosk's operator token, shown here once.
          pattern: '^tso_[a-kmnp-z2-9]{32}$'
    OperatorList:
      type: object
      required: [items]
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/OperatorView'
    AuditEventView:
      type: object
      required: [id, time, type, actor, data]
      properties:
        id:
          type: string
          description: The sequence number in the chain, as text; usable as a cursor.
          pattern: '^[0-9]+$'
        time:
          type: string
          format: date-time
        type:
          $ref: '#/components/schemas/AuditEventType'
        sessionId:
          $ref: '#/components/schemas/Identifier'
        actor:
          type: string
          description: An operator id, `session-token`, `redeem`, `local-cli` or `system`.
        data:
          type: object
          description: Facts about the event; never a pass or a token.
    AuditList:
      type: object
      required: [items]
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/AuditEventView'
        nextCursor:
          type: string
          description: Present when there are more events; pass it as `cursor`.
          pattern: '^[0-9]+$'
    PolicySettings:
      type: object
      description: >-
        Pass, session and attempt settings. Every field is optional in an override, which names only
        what it changes; the policy's `defaults` holds all of them.
      properties:
        enabled:
          type: boolean
          description: Whether passes may be minted (and used) at all.
        minimumLifetimeInMinutes:
          type: integer
          minimum: 10
          maximum: 43200
        maximumLifetimeInMinutes:
          type: integer
          minimum: 10
          maximum: 43200
        defaultLifetimeInMinutes:
          type: integer
          description: Between the minimum and the maximum lifetime.
          minimum: 10
          maximum: 43200
        defaultLength:
          type: integer
          description: Symbols in a new pass.
          minimum: 8
          maximum: 48
        defaultMaxUses:
          type: integer
          description: At most `maximumUses`.
          minimum: 1
          maximum: 10
        maximumUses:
          type: integer
          minimum: 1
          maximum: 10
        failedAttemptLimit:
          type: integer
          description: >-
            Wrong passes tried for one user before that user's open passes lock (10 in a new installation).
            Before that, from the user's second failure on, each further attempt for the user waits 1 s,
            2 s, 4 s... (429 `rate_limited`), and one client address (an IPv6 address by its /64) gets 3
            failures per user per 15 minutes, so one network alone cannot lock a user out.
          minimum: 1
          maximum: 100
        lockOutOnlyUnusedPasses:
          type: boolean
          description: >-
            Whether reaching `failedAttemptLimit` locks only passes not yet used once, so that strangers
            guessing at a user's name cannot stop an enrollment already under way (its pass keeps admitting
            its remaining sign-ins). Absent means no: every open pass of the user locks.
        completionDeadlineInMinutes:
          type: integer
          description: How long an enrollment may take once its pass was first used.
          minimum: 10
          maximum: 43200
        acceptedProofingMethods:
          type: array
          description: The identification methods accepted; at least one.
          minItems: 1
          items:
            $ref: '#/components/schemas/ProofingMethod'
        proofingRequired:
          type: boolean
          description: Whether every issuance must say how the person was identified.
        approvalRequired:
          type: boolean
          description: Whether a second operator must approve every issuance (privileged subjects always need one).
        approverProofingRequired:
          type: boolean
          description: Whether the approver must add their own proofing note.
        keyTestSignInRequired:
          type: boolean
          description: >-
            Whether a newly registered FIDO2 key must prove itself in one test sign-in before its session
            completes; a key whose session ends unproven is deleted. Absent means no.
        approvalTimeoutInMinutes:
          type: integer
          description: How long a request may wait for approval before it is rejected.
          minimum: 5
          maximum: 10080
        passesPerOperatorPerHour:
          type: integer
          description: A cap on passes one operator mints in an hour; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        passesPerOperatorPerDay:
          type: integer
          description: A cap on passes one operator mints in a day; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        passesPerSitePerHour:
          type: integer
          description: A cap on passes minted for one site in an hour; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        passesPerSitePerDay:
          type: integer
          description: A cap on passes minted for one site in a day; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        privilegedPassesPerDay:
          type: integer
          description: A cap on passes minted for privileged subjects in a day; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
    PassPreset:
      type: object
      required: [title]
      properties:
        title:
          type: string
          minLength: 1
          maxLength: 100
        maxUses:
          type: integer
          minimum: 1
          maximum: 10
        lifetimeInMinutes:
          type: integer
          minimum: 10
          maximum: 43200
    Policy:
      type: object
      description: The whole policy document.
      required: [defaults, overrides, presets, privilegedSubjects]
      properties:
        defaults:
          allOf:
            - $ref: '#/components/schemas/PolicySettings'
          required:
            - enabled
            - minimumLifetimeInMinutes
            - maximumLifetimeInMinutes
            - defaultLifetimeInMinutes
            - defaultLength
            - defaultMaxUses
            - maximumUses
            - failedAttemptLimit
            - completionDeadlineInMinutes
        overrides:
          type: object
          description: >-
            Overrides by site, then scenario; `*` stands for every site or every scenario. More specific
            wins: site and scenario > site and `*` > `*` and scenario > defaults.
          propertyNames:
            pattern: '^(?:\*|[a-z0-9._-]{1,64})$'
          additionalProperties:
            type: object
            propertyNames:
              enum: ['*', deviceEnrollment, fido2Registration]
            additionalProperties:
              $ref: '#/components/schemas/PolicySettings'
        presets:
          type: object
          description: Presets by short name (`apple-ade`).
          propertyNames:
            pattern: '^[a-z0-9._-]{1,64}$'
          additionalProperties:
            $ref: '#/components/schemas/PassPreset'
        privilegedSubjects:
          type: array
          description: Users that kiosk and bench tokens may never mint passes for.
          items:
            $ref: '#/components/schemas/SubjectPattern'
        paperPassesAllowed:
          type: boolean
          description: >-
            Whether `tapstation session import --slips` may print a batch's passes on a slip sheet.
            Absent means no.
    PolicyPatch:
      type: object
      description: >-
        An RFC 7396 JSON merge patch of the `Policy` document: name only what changes; `null` removes an
        override, a setting of an override, a preset or a preset's `maxUses` or `lifetimeInMinutes`.
        Unknown keys are refused (400 naming the key). The four top-level members and the settings in
        `defaults` cannot be removed. A new preset needs a `title` (400 `invalid_request` naming
        `presets.<name>.title` otherwise). The patched document must be consistent for every site and
        scenario (422 `policy_violation` otherwise).
      additionalProperties: false
      properties:
        defaults:
          $ref: '#/components/schemas/PolicyDefaultsPatch'
        overrides:
          type: object
          description: Overrides by site (or `*`), then scenario (or `*`); `null` removes one.
          propertyNames:
            pattern: '^(?:\*|[a-z0-9._-]{1,64})$'
          additionalProperties:
            anyOf:
              - type: 'null'
              - type: object
                propertyNames:
                  enum: ['*', deviceEnrollment, fido2Registration]
                additionalProperties:
                  anyOf:
                    - type: 'null'
                    - $ref: '#/components/schemas/PolicySettingsPatch'
        presets:
          type: object
          description: Presets by name; `null` removes one.
          propertyNames:
            pattern: '^[a-z0-9._-]{1,64}$'
          additionalProperties:
            anyOf:
              - type: 'null'
              - $ref: '#/components/schemas/PassPresetPatch'
        privilegedSubjects:
          type: array
          description: Replaces the whole list.
          items:
            $ref: '#/components/schemas/SubjectPattern'
        paperPassesAllowed:
          type: [boolean, 'null']
          description: Allows printed slip sheets; `null` returns to the default (not allowed).
    PolicyDefaultsPatch:
      type: object
      description: >-
        Settings of `defaults` to change. The nine settings every policy has cannot be removed; `null`
        on a proofing, approval or cap setting returns it to the standard value.
      additionalProperties: false
      properties:
        enabled:
          type: boolean
        minimumLifetimeInMinutes:
          type: integer
          minimum: 10
          maximum: 43200
        maximumLifetimeInMinutes:
          type: integer
          minimum: 10
          maximum: 43200
        defaultLifetimeInMinutes:
          type: integer
          minimum: 10
          maximum: 43200
        defaultLength:
          type: integer
          minimum: 8
          maximum: 48
        defaultMaxUses:
          type: integer
          minimum: 1
          maximum: 10
        maximumUses:
          type: integer
          minimum: 1
          maximum: 10
        failedAttemptLimit:
          type: integer
          minimum: 1
          maximum: 100
        lockOutOnlyUnusedPasses:
          type: boolean
        completionDeadlineInMinutes:
          type: integer
          minimum: 10
          maximum: 43200
        acceptedProofingMethods:
          type: [array, 'null']
          description: The identification methods accepted; at least one.
          minItems: 1
          items:
            $ref: '#/components/schemas/ProofingMethod'
        proofingRequired:
          type: [boolean, 'null']
          description: Whether every issuance must say how the person was identified.
        approvalRequired:
          type: [boolean, 'null']
          description: Whether a second operator must approve every issuance (privileged subjects always need one).
        approverProofingRequired:
          type: [boolean, 'null']
          description: Whether the approver must add their own proofing note.
        approvalTimeoutInMinutes:
          type: [integer, 'null']
          description: How long a request may wait for approval before it is rejected.
          minimum: 5
          maximum: 10080
        passesPerOperatorPerHour:
          type: [integer, 'null']
          description: A cap on passes one operator mints in an hour; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        passesPerOperatorPerDay:
          type: [integer, 'null']
          description: A cap on passes one operator mints in a day; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        passesPerSitePerHour:
          type: [integer, 'null']
          description: A cap on passes minted for one site in an hour; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        passesPerSitePerDay:
          type: [integer, 'null']
          description: A cap on passes minted for one site in a day; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        privilegedPassesPerDay:
          type: [integer, 'null']
          description: A cap on passes minted for privileged subjects in a day; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
    PolicySettingsPatch:
      type: object
      description: Settings of one override to change; `null` removes a setting from the override.
      additionalProperties: false
      properties:
        enabled:
          type: [boolean, 'null']
        minimumLifetimeInMinutes:
          type: [integer, 'null']
          minimum: 10
          maximum: 43200
        maximumLifetimeInMinutes:
          type: [integer, 'null']
          minimum: 10
          maximum: 43200
        defaultLifetimeInMinutes:
          type: [integer, 'null']
          minimum: 10
          maximum: 43200
        defaultLength:
          type: [integer, 'null']
          minimum: 8
          maximum: 48
        defaultMaxUses:
          type: [integer, 'null']
          minimum: 1
          maximum: 10
        maximumUses:
          type: [integer, 'null']
          minimum: 1
          maximum: 10
        failedAttemptLimit:
          type: [integer, 'null']
          minimum: 1
          maximum: 100
        lockOutOnlyUnusedPasses:
          type: [boolean, 'null']
        completionDeadlineInMinutes:
          type: [integer, 'null']
          minimum: 10
          maximum: 43200
        acceptedProofingMethods:
          type: [array, 'null']
          description: The identification methods accepted; at least one.
          minItems: 1
          items:
            $ref: '#/components/schemas/ProofingMethod'
        proofingRequired:
          type: [boolean, 'null']
          description: Whether every issuance must say how the person was identified.
        approvalRequired:
          type: [boolean, 'null']
          description: Whether a second operator must approve every issuance (privileged subjects always need one).
        approverProofingRequired:
          type: [boolean, 'null']
          description: Whether the approver must add their own proofing note.
        approvalTimeoutInMinutes:
          type: [integer, 'null']
          description: How long a request may wait for approval before it is rejected.
          minimum: 5
          maximum: 10080
        passesPerOperatorPerHour:
          type: [integer, 'null']
          description: A cap on passes one operator mints in an hour; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        passesPerOperatorPerDay:
          type: [integer, 'null']
          description: A cap on passes one operator mints in a day; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        passesPerSitePerHour:
          type: [integer, 'null']
          description: A cap on passes minted for one site in an hour; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        passesPerSitePerDay:
          type: [integer, 'null']
          description: A cap on passes minted for one site in a day; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
        privilegedPassesPerDay:
          type: [integer, 'null']
          description: A cap on passes minted for privileged subjects in a day; 0 or absent is no cap.
          minimum: 0
          maximum: 1000000
    PassPresetPatch:
      type: object
      description: A preset's fields to change; `maxUses` and `lifetimeInMinutes` can be removed with `null`.
      additionalProperties: false
      properties:
        title:
          type: string
          minLength: 1
          maxLength: 100
        maxUses:
          type: [integer, 'null']
          minimum: 1
          maximum: 10
        lifetimeInMinutes:
          type: [integer, 'null']
          minimum: 10
          maximum: 43200
    HealthStatus:
      type: object
      required: [status]
      properties:
        status:
          type: string
          enum: [ok]
    ReadyStatus:
      type: object
      required: [status, journalMode]
      properties:
        status:
          type: string
          enum: [ready]
        journalMode:
          type: string
          description: The SQLite journal mode (`wal`).
          examples: [wal]
    UnavailableStatus:
      type: object
      required: [status]
      properties:
        status:
          type: string
          enum: [unavailable]
    Problem:
      type: object
      description: An RFC 9457 problem with TapStation's stable `code`.
      required: [type, title, status, detail, code]
      properties:
        type:
          type: string
          format: uri
          description: '`urn:tapstation:problem:` followed by the code.'
          examples: ['urn:tapstation:problem:invalid_request']
        title:
          type: string
          description: The HTTP reason phrase.
        status:
          type: integer
          description: The HTTP status code.
        detail:
          type: string
          description: What went wrong, safe to show; never echoes secrets.
        code:
          type: string
          description: >-
            A stable code: invalid_request, invalid_json, unsupported_media_type, payload_too_large,
            unauthorized, token_expired, token_revoked, invalid_session_token, source_not_allowed,
            forbidden, not_found, method_not_allowed, conflict, invalid_state_transition,
            idempotency_conflict, idempotency_in_progress, invalid_pass, policy_violation,
            subject_not_allowed, rate_limited, request_timeout, uri_too_long, proofing_required,
            proofing_method_not_accepted, proofing_id_number_refused, issuance_locked, issuance_cap_reached,
            approval_required, self_approval, approver_not_a_person, not_the_requester, webhook_url_refused, too_many_streams,
            newer_token_exists,
            internal_error, entra_tap_exists, not_in_local_mode, entra_refused, entra_unavailable. More may be added.
          examples: [invalid_request]
        field:
          type: string
          description: The field or query parameter at fault, when one is.
        bound:
          type: string
          description: For `policy_violation`, the bound that was broken (`between 10 and 480`).
"""#
}
