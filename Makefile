# PGXS build of the pz extension: `make`, `make install`, `make installcheck`.
PG_CONFIG ?= pg_config
EXTENSION = pz
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" pz.control)
MODULE_big = pz

CORE_SOURCES = $(wildcard src/core/*.cpp)
PG_SOURCES = $(wildcard src/pg/*.cpp)
OBJS = $(CORE_SOURCES:.cpp=.o) $(PG_SOURCES:.cpp=.o)

# The install script is assembled from its parts, one responsibility a file.
INSTALL_PARTS = $(sort $(wildcard sql/install/*.sql))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
# Update scripts, and the frozen install scripts of released versions (for upgrade tests).
DATA = $(wildcard sql/$(EXTENSION)--*--*.sql) $(wildcard sql/released/$(EXTENSION)--*.sql)

REGRESS = $(basename $(notdir $(sort $(wildcard sql/[0-9]*_*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# -isystem: the server headers are not warning-clean C++.
PG_CPPFLAGS = -Isrc -isystem $(shell $(PG_CONFIG) --includedir-server) -I/usr/include/eigen3
# `make PZ_CHECKS=1`: warn wherever a shortcut differs from PostgreSQL's own code.
ifdef PZ_CHECKS
PG_CPPFLAGS += -DPZ_CHECK_NUMERIC_FAST_PATH
endif
# -MMD -MP: rebuild objects when a header they include changes.
PG_CXXFLAGS = -std=c++17 -fPIC -O2 -Wno-missing-field-initializers -MMD -MP
EXTRA_CLEAN = $(OBJS:.o=.d)
SHLIB_LINK = -lstdc++

# No JIT bitcode: it would need clang and buys nothing for these functions.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)

$(DATA_built): $(INSTALL_PARTS) pz.control
	cat $(INSTALL_PARTS) > $@

.PHONY: format
format:
	clang-format -i src/core/*.hpp src/core/*.cpp src/pg/*.hpp src/pg/*.cpp
