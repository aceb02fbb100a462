-- The redemption a team would otherwise build on PostgreSQL: the same
-- checks and the same writes as passclear's Redeem, in one transaction.
-- Loaded by bench/suite.py with :passes passes.
CREATE TABLE programmes (
  id          bigint PRIMARY KEY,
  face_value  bigint NOT NULL,
  valid_from  timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  closed      boolean NOT NULL DEFAULT false
);

CREATE TABLE venues (
  id        bigint PRIMARY KEY,
  labelled  boolean NOT NULL,
  suspended boolean NOT NULL DEFAULT false
);

CREATE TABLE venue_programmes (
  venue_id     bigint REFERENCES venues,
  programme_id bigint REFERENCES programmes,
  PRIMARY KEY (venue_id, programme_id)
);

-- state: 1 issued, 2 redeemed, 3 voided.
CREATE TABLE passes (
  serial       bigint PRIMARY KEY,
  programme_id bigint NOT NULL REFERENCES programmes,
  state        smallint NOT NULL DEFAULT 1,
  venue_id     bigint,
  terminal_id  text,
  redeemed_at  timestamptz
);

-- The venue's claim line, and the terminal's answer for its request id
-- (idempotent retries), as passclear keeps them.
CREATE TABLE claim_lines (
  seq          bigserial PRIMARY KEY,
  venue_id     bigint NOT NULL,
  serial       bigint NOT NULL,
  programme_id bigint NOT NULL,
  cents        bigint NOT NULL,
  terminal_id  text NOT NULL,
  scanned_at   timestamptz NOT NULL
);

CREATE TABLE answers (
  terminal_id text NOT NULL,
  request_id  text NOT NULL,
  result      text NOT NULL,
  PRIMARY KEY (terminal_id, request_id)
);

-- Redeems `p_serial` for a venue: answers 'REDEEMED ...' or the refusal
-- (as bench/redis/redeem.lua does).
CREATE FUNCTION redeem(p_serial bigint, p_venue bigint, p_terminal text,
                       p_request text) RETURNS text AS $$
DECLARE
  pass       passes%ROWTYPE;
  programme  programmes%ROWTYPE;
  venue      venues%ROWTYPE;
  line       bigint;
  answer     text;
BEGIN
  SELECT result INTO answer FROM answers
   WHERE terminal_id = p_terminal AND request_id = p_request;
  IF FOUND THEN RETURN answer; END IF;
  SELECT * INTO pass FROM passes WHERE serial = p_serial FOR UPDATE;
  IF NOT FOUND THEN
    answer := 'UNKNOWN_SERIAL';
  ELSE
    SELECT * INTO programme FROM programmes WHERE id = pass.programme_id;
    SELECT * INTO venue FROM venues WHERE id = p_venue;
    IF pass.state = 2 THEN
      -- The evidence a terminal shows: when, where and by which terminal.
      answer := format('ALREADY_REDEEMED at %s venue %s terminal %s',
                       pass.redeemed_at, pass.venue_id, pass.terminal_id);
    ELSIF pass.state = 3 THEN
      answer := 'VOIDED';
    ELSIF programme.closed OR now() NOT BETWEEN programme.valid_from
                                            AND programme.valid_until THEN
      answer := 'EXPIRED';
    ELSIF NOT FOUND OR NOT venue.labelled OR venue.suspended OR NOT EXISTS (
        SELECT 1 FROM venue_programmes
         WHERE venue_id = p_venue AND programme_id = pass.programme_id) THEN
      answer := 'VENUE_NOT_ACCEPTING';
    ELSE
      UPDATE passes SET state = 2, venue_id = p_venue,
                        terminal_id = p_terminal, redeemed_at = now()
       WHERE serial = p_serial;
      INSERT INTO claim_lines (venue_id, serial, programme_id, cents,
                               terminal_id, scanned_at)
      VALUES (p_venue, p_serial, pass.programme_id, programme.face_value,
              p_terminal, now())
      RETURNING seq INTO line;
      answer := format('REDEEMED %s cents %s seq %s', p_serial,
                       programme.face_value, line);
    END IF;
  END IF;
  INSERT INTO answers VALUES (p_terminal, p_request, answer);
  RETURN answer;
END;
$$ LANGUAGE plpgsql;

-- Serials handed to the clients in turn: every scan is a first scan, as in
-- passclear-load.
CREATE SEQUENCE scan_serial;

INSERT INTO programmes VALUES
  (1, 1000, now() - interval '1 day', now() + interval '1 year');
INSERT INTO venues VALUES (1, true);
INSERT INTO venue_programmes VALUES (1, 1);
INSERT INTO passes (serial, programme_id)
  SELECT s, 1 FROM generate_series(1, :passes) AS s;
VACUUM ANALYZE;
