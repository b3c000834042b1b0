"""100× town scale: 99 more towns made by set-based copies of the seeded demo town's rows.

Running the seed for another town would hand the demo's `command`, `leader01`, … roles there
too (user names are global), so the copies get their own users: `BX002-command`, …, each with
the same roles in their own town. The demo user `command` still sees only the demo town,
so the pages measure the same 33 grids among 3,300.

Each statement copies one table for all 99 towns at once, matching rows by their natural keys
(codes). A later issue that seeds more tables (households, ledger entries) appends its
statements to COPY_STATEMENTS, parents before children. Parameters: %(source)s is the demo
town's code, %(like)s matches the copies' codes, %(towns)s is the number of towns in all.
"""

import time

TOWNS = 100
PREFIX = "BX"

# The source town's roles with the codes of their scope, so copies can find their own scope.
_SOURCE_ROLES = """
CREATE TEMP TABLE bench_source_role ON COMMIT DROP AS
SELECT r.kind, r.starts_on, r.ends_on, u.username,
       r.town_id IS NOT NULL AS in_town,
       v.code AS village_code,
       gv.code AS grid_village_code, g.code AS grid_code,
       mv.code AS micro_village_code, mg.code AS micro_grid_code, m.code AS micro_code,
       d.code AS department_code
FROM huaisi_role r
JOIN auth_user u ON u.id = r.user_id
LEFT JOIN grids_village v ON v.id = r.village_id
LEFT JOIN grids_grid g ON g.id = r.grid_id
LEFT JOIN grids_village gv ON gv.id = g.village_id
LEFT JOIN grids_microgrid m ON m.id = r.microgrid_id
LEFT JOIN grids_grid mg ON mg.id = m.grid_id
LEFT JOIN grids_village mv ON mv.id = mg.village_id
LEFT JOIN grids_department d ON d.id = r.department_id
JOIN grids_town s ON s.id = COALESCE(r.town_id, v.town_id, gv.town_id, mv.town_id, d.town_id)
WHERE s.code = %(source)s
"""

COPY_STATEMENTS = [
    """
    INSERT INTO grids_town (name, code, centre_lat, centre_lng, boundary, is_demo)
    SELECT t.name || ' #' || n, %(prefix)s || lpad(n::text, 3, '0'),
           t.centre_lat, t.centre_lng, t.boundary, false
    FROM grids_town t CROSS JOIN generate_series(2, %(towns)s) AS n
    WHERE t.code = %(source)s
    """,
    """
    INSERT INTO grids_village (town_id, name, code, kind, centre_lat, centre_lng, boundary)
    SELECT c.id, v.name, v.code, v.kind, v.centre_lat, v.centre_lng, v.boundary
    FROM grids_village v
    JOIN grids_town s ON s.id = v.town_id AND s.code = %(source)s
    CROSS JOIN grids_town c WHERE c.code LIKE %(like)s
    """,
    """
    INSERT INTO grids_grid (village_id, name, code, centre_lat, centre_lng, boundary)
    SELECT cv.id, g.name, g.code, g.centre_lat, g.centre_lng, g.boundary
    FROM grids_grid g
    JOIN grids_village sv ON sv.id = g.village_id
    JOIN grids_town s ON s.id = sv.town_id AND s.code = %(source)s
    JOIN grids_village cv ON cv.code = sv.code
    JOIN grids_town c ON c.id = cv.town_id AND c.code LIKE %(like)s
    """,
    """
    INSERT INTO grids_microgrid (grid_id, name, code, centre_lat, centre_lng, boundary)
    SELECT cg.id, m.name, m.code, m.centre_lat, m.centre_lng, m.boundary
    FROM grids_microgrid m
    JOIN grids_grid sg ON sg.id = m.grid_id
    JOIN grids_village sv ON sv.id = sg.village_id
    JOIN grids_town s ON s.id = sv.town_id AND s.code = %(source)s
    JOIN grids_grid cg ON cg.code = sg.code
    JOIN grids_village cv ON cv.id = cg.village_id AND cv.code = sv.code
    JOIN grids_town c ON c.id = cv.town_id AND c.code LIKE %(like)s
    """,
    """
    INSERT INTO grids_department (town_id, name, code, is_active)
    SELECT c.id, d.name, d.code, d.is_active
    FROM grids_department d
    JOIN grids_town s ON s.id = d.town_id AND s.code = %(source)s
    CROSS JOIN grids_town c WHERE c.code LIKE %(like)s
    """,
    _SOURCE_ROLES,
    """
    INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                           is_staff, is_active, date_joined)
    SELECT u.password, false, c.code || '-' || u.username, u.first_name, u.last_name, u.email,
           false, u.is_active, u.date_joined
    FROM auth_user u CROSS JOIN grids_town c
    WHERE c.code LIKE %(like)s AND u.username IN (SELECT username FROM bench_source_role)
    """,
    """
    INSERT INTO huaisi_role (user_id, kind, town_id, village_id, grid_id, microgrid_id,
                             department_id, starts_on, ends_on, created_at)
    SELECT cu.id, r.kind, CASE WHEN r.in_town THEN c.id END, cv.id, cg.id, cm.id, cd.id,
           r.starts_on, r.ends_on, now()
    FROM bench_source_role r
    CROSS JOIN grids_town c
    JOIN auth_user cu ON cu.username = c.code || '-' || r.username
    LEFT JOIN grids_village cv ON cv.town_id = c.id AND cv.code = r.village_code
    LEFT JOIN (grids_grid cg JOIN grids_village cgv ON cgv.id = cg.village_id)
           ON cgv.town_id = c.id AND cgv.code = r.grid_village_code AND cg.code = r.grid_code
    LEFT JOIN (grids_microgrid cm JOIN grids_grid cmg ON cmg.id = cm.grid_id
               JOIN grids_village cmv ON cmv.id = cmg.village_id)
           ON cmv.town_id = c.id AND cmv.code = r.micro_village_code
              AND cmg.code = r.micro_grid_code AND cm.code = r.micro_code
    LEFT JOIN grids_department cd ON cd.town_id = c.id AND cd.code = r.department_code
    WHERE c.code LIKE %(like)s
    """,
]


# The register (issue 3). Household numbers and ID numbers are unique across the install, so
# the copies get the town's code in front of the number and the town's ordinal in place of
# the ID's first three digits (still 18 characters of the right form).
COPY_STATEMENTS += [
    """
    INSERT INTO households_house (village_id, microgrid_id, address, structure, floors,
                                  floor_area, use, lat, lng, photo, updated_at)
    SELECT cm.id, cm.id_m, h.address, h.structure, h.floors, h.floor_area, h.use, h.lat, h.lng,
           h.photo, h.updated_at
    FROM households_house h
    JOIN grids_microgrid sm ON sm.id = h.microgrid_id
    JOIN grids_grid sg ON sg.id = sm.grid_id
    JOIN grids_village sv ON sv.id = sg.village_id
    JOIN grids_town s ON s.id = sv.town_id AND s.code = %(source)s
    JOIN (SELECT cv.id, cv.code AS v_code, cg.code AS g_code, m.code AS m_code, m.id AS id_m,
                 cv.town_id
          FROM grids_microgrid m JOIN grids_grid cg ON cg.id = m.grid_id
          JOIN grids_village cv ON cv.id = cg.village_id) cm
      ON cm.v_code = sv.code AND cm.g_code = sg.code AND cm.m_code = sm.code
    JOIN grids_town c ON c.id = cm.town_id AND c.code LIKE %(like)s
    """,
    """
    INSERT INTO households_household (number, house_id, microgrid_id, pact_signed_on, status,
                                      updated_at)
    SELECT c.code || '-' || hh.number, ch.id, ch.microgrid_id, hh.pact_signed_on, hh.status,
           hh.updated_at
    FROM households_household hh
    JOIN households_house h ON h.id = hh.house_id
    JOIN grids_village sv ON sv.id = h.village_id
    JOIN grids_town s ON s.id = sv.town_id AND s.code = %(source)s
    CROSS JOIN grids_town c
    JOIN grids_village cv ON cv.town_id = c.id AND cv.code = sv.code
    JOIN households_house ch ON ch.village_id = cv.id AND ch.address = h.address
    WHERE c.code LIKE %(like)s
    """,
    """
    INSERT INTO households_resident (household_id, town_id, name, name_initials,
                                     name_pinyin, gender, id_number, birth_date, phone,
                                     relation, residence_type, care_tags, moved_out, deceased,
                                     note, updated_at)
    SELECT ch.id, c.id, r.name, r.name_initials, r.name_pinyin, r.gender,
           lpad(substr(c.code, 3), 3, '0') || substr(r.id_number, 4), r.birth_date, r.phone,
           r.relation, r.residence_type, r.care_tags, r.moved_out, r.deceased, r.note,
           r.updated_at
    FROM households_resident r
    JOIN households_household hh ON hh.id = r.household_id
    JOIN households_house h ON h.id = hh.house_id
    JOIN grids_village sv ON sv.id = h.village_id
    JOIN grids_town s ON s.id = sv.town_id AND s.code = %(source)s
    CROSS JOIN grids_town c
    JOIN households_household ch ON ch.number = c.code || '-' || hh.number
    -- The copies are written with triggers off (see `build`): the town is set here.
    WHERE c.code LIKE %(like)s
    """,
]


# Household points (issue 4). Maps from the source town's households, villages and rules to
# each copy's (temporary tables, so the big ledger copy joins by id, not by text keys), then
# one statement per table. Passbook numbers, card tokens, receipt numbers and idempotency keys
# are unique across the install, so the copies get the town's code in front. Entries and
# baskets keep the demo's clerks and assessors as who recorded and reviewed them (the copies'
# own users would change nothing the bench measures). The demo has no reversals or refunds;
# rows citing another row would be skipped, not mis-linked.
_POINTS_MAPS = [
    """
    CREATE TEMP TABLE bench_household_map ON COMMIT DROP AS
    SELECT hh.id AS source_id, ch.id AS copy_id, c.id AS town_id
    FROM households_household hh
    JOIN households_house h ON h.id = hh.house_id
    JOIN grids_village sv ON sv.id = h.village_id
    JOIN grids_town s ON s.id = sv.town_id AND s.code = %(source)s
    CROSS JOIN grids_town c
    JOIN households_household ch ON ch.number = c.code || '-' || hh.number
    WHERE c.code LIKE %(like)s
    """,
    """
    CREATE TEMP TABLE bench_village_map ON COMMIT DROP AS
    SELECT sv.id AS source_id, cv.id AS copy_id, c.id AS town_id, c.code AS town_code
    FROM grids_village sv
    JOIN grids_town s ON s.id = sv.town_id AND s.code = %(source)s
    CROSS JOIN grids_town c
    JOIN grids_village cv ON cv.town_id = c.id AND cv.code = sv.code
    WHERE c.code LIKE %(like)s
    """,
]
_POINTS_RULE_MAP = """
    CREATE TEMP TABLE bench_rule_map ON COMMIT DROP AS
    SELECT sr.id AS source_id, cr.id AS copy_id, cr.town_id
    FROM points_rule sr
    JOIN grids_town s ON s.id = sr.town_id AND s.code = %(source)s
    JOIN points_rule cr ON cr.code = sr.code
    JOIN grids_town c ON c.id = cr.town_id AND c.code LIKE %(like)s
"""
_POINTS_ANALYZE = "ANALYZE bench_household_map, bench_village_map, bench_rule_map"

COPY_STATEMENTS += [
    *_POINTS_MAPS,
    """
    INSERT INTO points_rule (town_id, code, "group", category, title, points, description,
                             requires_photo, monthly_cap, valid_from, valid_to, updated_at)
    SELECT c.id, r.code, r."group", r.category, r.title, r.points, r.description,
           r.requires_photo, r.monthly_cap, r.valid_from, r.valid_to, r.updated_at
    FROM points_rule r
    JOIN grids_town s ON s.id = r.town_id AND s.code = %(source)s
    CROSS JOIN grids_town c WHERE c.code LIKE %(like)s
    """,
    _POINTS_RULE_MAP,
    _POINTS_ANALYZE,
    """
    INSERT INTO points_pointsaccount (household_id, village_id, serial, passbook_number,
                                      pin_hash, failed_pins, locked_until, card_token,
                                      card_issued_at, balance, opened_at)
    SELECT m.copy_id, v.copy_id, a.serial, v.town_code || '-' || a.passbook_number, a.pin_hash,
           0, NULL, v.town_code || '-' || a.card_token, a.card_issued_at, a.balance, a.opened_at
    FROM points_pointsaccount a
    JOIN bench_household_map m ON m.source_id = a.household_id
    JOIN bench_village_map v ON v.source_id = a.village_id AND v.town_id = m.town_id
    """,
    """
    INSERT INTO points_entry (household_id, rule_id, points, deed_date, basis, method, source,
                              status, recorded_by_id, recorded_at, reviewed_by_id, reviewed_at,
                              reject_reason, reverses_id, ranking_month, idempotency_key)
    SELECT m.copy_id, r.copy_id, e.points, e.deed_date, e.basis, e.method, e.source, e.status,
           e.recorded_by_id, e.recorded_at, e.reviewed_by_id, e.reviewed_at, e.reject_reason,
           NULL, e.ranking_month, m.town_id || ':' || e.idempotency_key
    FROM points_entry e
    JOIN bench_household_map m ON m.source_id = e.household_id
    JOIN bench_rule_map r ON r.source_id = e.rule_id AND r.town_id = m.town_id
    WHERE e.reverses_id IS NULL
    """,
    """
    INSERT INTO points_store (village_id, name, opened_at)
    SELECT v.copy_id, st.name, st.opened_at
    FROM points_store st JOIN bench_village_map v ON v.source_id = st.village_id
    """,
    """
    INSERT INTO points_good (store_id, name, unit, price_points, stock, is_active, updated_at)
    SELECT cs.id, g.name, g.unit, g.price_points, g.stock, g.is_active, g.updated_at
    FROM points_good g
    JOIN points_store ss ON ss.id = g.store_id
    JOIN bench_village_map v ON v.source_id = ss.village_id
    JOIN points_store cs ON cs.village_id = v.copy_id
    """,
    """
    INSERT INTO points_stockreceipt (good_id, quantity, note, received_by_id, received_at,
                                     idempotency_key)
    SELECT cg.id, rc.quantity, rc.note, rc.received_by_id, rc.received_at,
           v.town_id || ':' || rc.idempotency_key
    FROM points_stockreceipt rc
    JOIN points_good sg ON sg.id = rc.good_id
    JOIN points_store ss ON ss.id = sg.store_id
    JOIN bench_village_map v ON v.source_id = ss.village_id
    JOIN points_store cs ON cs.village_id = v.copy_id
    JOIN points_good cg ON cg.store_id = cs.id AND cg.name = sg.name
    """,
    """
    INSERT INTO points_redemption (store_id, household_id, total_points, receipt_number,
                                   redeemed_by_id, redeemed_at, idempotency_key, reverses_id,
                                   note)
    SELECT cs.id, m.copy_id, d.total_points, v.town_code || '-' || d.receipt_number,
           d.redeemed_by_id, d.redeemed_at, v.town_id || ':' || d.idempotency_key, NULL, d.note
    FROM points_redemption d
    JOIN points_store ss ON ss.id = d.store_id
    JOIN bench_village_map v ON v.source_id = ss.village_id
    JOIN points_store cs ON cs.village_id = v.copy_id
    JOIN bench_household_map m ON m.source_id = d.household_id AND m.town_id = v.town_id
    WHERE d.reverses_id IS NULL
    """,
    """
    INSERT INTO points_redemptionline (redemption_id, good_id, quantity, unit_points)
    SELECT cd.id, cg.id, l.quantity, l.unit_points
    FROM points_redemptionline l
    JOIN points_redemption d ON d.id = l.redemption_id
    JOIN points_good sg ON sg.id = l.good_id
    JOIN points_store ss ON ss.id = d.store_id
    JOIN bench_village_map v ON v.source_id = ss.village_id
    JOIN points_redemption cd ON cd.receipt_number = v.town_code || '-' || d.receipt_number
    JOIN points_good cg ON cg.store_id = cd.store_id AND cg.name = sg.name
    """,
    """
    INSERT INTO points_rankingpublication (village_id, month, published_at)
    SELECT v.copy_id, p.month, p.published_at
    FROM points_rankingpublication p JOIN bench_village_map v ON v.source_id = p.village_id
    """,
    """
    INSERT INTO points_rankingrow (publication_id, household_id, points, rank)
    SELECT cp.id, m.copy_id, r.points, r.rank
    FROM points_rankingrow r
    JOIN points_rankingpublication p ON p.id = r.publication_id
    JOIN bench_village_map v ON v.source_id = p.village_id
    JOIN points_rankingpublication cp ON cp.village_id = v.copy_id AND cp.month = p.month
    JOIN bench_household_map m ON m.source_id = r.household_id AND m.town_id = v.town_id
    """,
    """
    INSERT INTO points_honourpublication (village_id, half_start, published_at)
    SELECT v.copy_id, p.half_start, p.published_at
    FROM points_honourpublication p JOIN bench_village_map v ON v.source_id = p.village_id
    """,
    """
    INSERT INTO points_honourrow (publication_id, household_id, points, rank)
    SELECT cp.id, m.copy_id, r.points, r.rank
    FROM points_honourrow r
    JOIN points_honourpublication p ON p.id = r.publication_id
    JOIN bench_village_map v ON v.source_id = p.village_id
    JOIN points_honourpublication cp
      ON cp.village_id = v.copy_id AND cp.half_start = p.half_start
    JOIN bench_household_map m ON m.source_id = r.household_id AND m.town_id = v.town_id
    """,
]
# Statements that only prepare (temporary maps, statistics): their rows are not data written.
_PREPARATIONS = {_SOURCE_ROLES, *_POINTS_MAPS, _POINTS_RULE_MAP, _POINTS_ANALYZE}


def build(db, *, source: str) -> tuple[float, int]:
    """Add TOWNS - 1 copies of town SOURCE to the bench database in one transaction, then
    ANALYZE. Returns the time in ms and the number of rows written."""
    params = {"source": source, "like": PREFIX + "%", "prefix": PREFIX, "towns": TOWNS}
    started = time.perf_counter()
    written = 0
    with db.connect(autocommit=True) as conn:
        with conn.transaction():
            # Copies are bench data, not anybody's edits: no audit trigger rows for them.
            conn.execute("SET LOCAL session_replication_role = replica")
            for statement in COPY_STATEMENTS:
                cursor = conn.execute(statement, params)
                if statement not in _PREPARATIONS:
                    written += max(cursor.rowcount, 0)
        conn.execute("ANALYZE")
    return (time.perf_counter() - started) * 1000, written
