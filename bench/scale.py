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
    INSERT INTO households_resident (household_id, name, name_initials, name_pinyin, gender,
                                     id_number, birth_date, phone, relation, residence_type,
                                     care_tags, moved_out, deceased, note, updated_at)
    SELECT ch.id, r.name, r.name_initials, r.name_pinyin, r.gender,
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
    WHERE c.code LIKE %(like)s
    """,
]


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
                if statement is not _SOURCE_ROLES:
                    written += max(cursor.rowcount, 0)
        conn.execute("ANALYZE")
    return (time.perf_counter() - started) * 1000, written
