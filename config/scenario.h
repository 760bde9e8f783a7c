/* scenario.h - loading and validating scenario documents.
 *
 * A scenario is one JSON document (docs/scenario-format.md). Loading goes:
 * read the file -> apply --set overrides to the document -> merge the host
 * preset -> validate every key into a `scenario` (models/config.h). Every
 * error names the file, the JSON path, what was expected and what was found. */
#ifndef VMSIM_SCENARIO_H
#define VMSIM_SCENARIO_H

#include <jansson.h>

#include "config/path.h"
#include "models/config.h"
#include "sim/err.h"

/* Where the scenario named `arg` on a command line is: arg itself when it
 * exists, else arg.json beside it, else (for a name that does not start
 * with "/", "./" or "../") DIR/arg or DIR/arg.json in a data directory
 * (config/datadir.h), so "teaching/lhp-ticket" names a bundled scenario
 * from anywhere. Writes the path to buf; returns 1 when it was found in a
 * data directory, 0 otherwise (buf = the path to try, maybe missing). */
int sc_resolve_file(const char *arg, char *buf, size_t n);
/* Reads a JSON file into a document (new reference). Errors name the file,
 * line and column. The path is resolved by sc_resolve_file; a document found
 * in a data directory, and every "base" document, has its references (host
 * preset, build-log paths) resolved from its own location before merging. */
json_t *sc_read_json(const char *path, vs_err *err);
/* Validates doc (read from `file`, which locates presets) into *sc.
 * sc_free releases it. */
int sc_load_doc(json_t *doc, const char *file, scenario *sc, vs_err *err);
/* The scenario at `file` with nsets --set overrides as one self-contained
 * document: base scenarios merged, the overrides applied, the host preset
 * merged into "host" (no "preset" key; "name" set to the preset's name if the
 * document gave none), a "name" at the top level (default: the file's base
 * name), and build-log paths ("log", "jobs_csv") made absolute. Loading it
 * from any directory (sc_load_doc with any file name) gives the same
 * scenario as sc_load(file, sets). Other keys ("sweep", comments) are kept.
 * Returns a new reference, or NULL with err filled when the document cannot
 * be read or does not validate. For recording what a run used (sweep.json). */
json_t *sc_resolved_document(const char *file, char *const *sets, int nsets, vs_err *err);
/* Reads, applies nset overrides, validates. */
int sc_load(const char *file, char *const *sets, int nsets, scenario *sc, vs_err *err);

/* Resolves `name` (a preset name, or a path with a "/" or ".json" that is
 * relative to the scenario `file`) to a path in buf. A name is searched as
 * KIND/NAME.json in the scenario's directory and its parents up to three
 * levels, then in the data directories (config/datadir.h: $VMSIM_DATADIR,
 * vmsim's own installed or checkout data), then in ./scenarios. */
int sc_find_preset(const char *file, const char *kind, const char *name, char *buf, size_t n,
                   vs_err *err);

#endif
