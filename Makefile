# PGXS build of the pz extension: `make`, `make install`, `make installcheck`.
PG_CONFIG ?= pg_config
EXTENSION = pz
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" pz.control)
MODULE_big = pz

CORE_SOURCES = $(wildcard src/core/*.cpp)
PG_SOURCES = $(wildcard src/pg/*.cpp)
OBJS = $(CORE_SOURCES:.cpp=.o) $(PG_SOURCES:.cpp=.o)

# Releases (see sql/released/README.md): the install script of the last
# release is frozen in sql/released/; this version's changes are the parts in
# sql/update/, assembled into the update script from the last release. The
# fresh install script is the frozen one followed by that update, so a new
# installation and an updated one cannot differ.
LAST_RELEASE = $(shell ls sql/released/ | sed -n 's/^$(EXTENSION)--\([0-9.]*\)\.sql$$/\1/p' | sort -V | tail -n 1)
UPDATE_PARTS = $(sort $(wildcard sql/update/*.sql))
UPDATE_SCRIPT = $(EXTENSION)--$(LAST_RELEASE)--$(EXTVERSION).sql
DATA_built = $(EXTENSION)--$(EXTVERSION).sql $(UPDATE_SCRIPT)
# The frozen scripts of released versions: install any of them, then update.
DATA = $(wildcard sql/released/$(EXTENSION)--*.sql)

REGRESS = $(basename $(notdir $(sort $(wildcard sql/[0-9]*_*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# -isystem: the server headers are not warning-clean C++.
PG_CPPFLAGS = -Isrc -isystem $(shell $(PG_CONFIG) --includedir-server) -I/usr/include/eigen3 \
              -idirafter $(shell $(PG_CONFIG) --includedir) \
              -DPZ_VERSION='"$(EXTVERSION)"'
# `make PZ_CHECKS=1`: warn wherever a shortcut differs from PostgreSQL's own code.
ifdef PZ_CHECKS
PG_CPPFLAGS += -DPZ_CHECK_NUMERIC_FAST_PATH -DPZ_CHECK_ROW_FAST_PATH
endif
# -MMD -MP: rebuild objects when a header they include changes.
PG_CXXFLAGS = -std=c++17 -fPIC -O2 -Wno-missing-field-initializers -MMD -MP
EXTRA_CLEAN = $(OBJS:.o=.d)
# libpq: a standby's pz logger forwards to the primary (as dblink and postgres_fdw connect).
SHLIB_LINK = -lstdc++ -lpq

# No JIT bitcode: it would need clang and buys nothing for these functions.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)

$(UPDATE_SCRIPT): $(UPDATE_PARTS) pz.control
	cat $(UPDATE_PARTS) > $@

# Checks that only a fresh installation can make (sql/install/) run first.
INSTALL_PARTS = $(sort $(wildcard sql/install/*.sql))
$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS) sql/released/$(EXTENSION)--$(LAST_RELEASE).sql $(UPDATE_SCRIPT)
	cat $^ > $@

.PHONY: format
format:
	clang-format -i src/core/*.hpp src/core/*.cpp src/pg/*.hpp src/pg/*.cpp
