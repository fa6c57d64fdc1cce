// The integration tests' view of the server under test: how to connect, and
// how to wait for things that happen in the background (the worker, crash
// recovery). The server is given by PZ_TEST_HOST and PZ_TEST_PORT; its log
// file by PZ_SERVER_LOG.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace pz_test {

using namespace std::chrono_literals;

inline std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

inline std::string connection_string(const std::string& database = "postgres") {
  return "host=" + environment("PZ_TEST_HOST") + " port=" + environment("PZ_TEST_PORT") +
         " user=postgres dbname=" + database;
}

// Polls `condition` until it holds or `timeout` passes; errors in it (e.g. a
// connection lost to a crash) count as "not yet".
inline bool wait_for(std::chrono::milliseconds timeout, const std::function<bool()>& condition,
                     std::chrono::milliseconds interval = 50ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    try {
      if (condition()) return true;
    } catch (const std::exception&) {
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

// Waits until the server accepts connections again, e.g. after crash recovery.
inline bool wait_for_server(std::chrono::milliseconds timeout = 60s) {
  return wait_for(
      timeout,
      [] {
        pqxx::connection connection(connection_string());
        pqxx::nontransaction(connection).exec("SELECT 1");
        return true;
      },
      200ms);
}

// The server log from byte `offset` on ("" without PZ_SERVER_LOG).
inline std::string server_log_since(std::streamoff offset) {
  std::ifstream log(environment("PZ_SERVER_LOG"), std::ios::binary);
  if (!log) return "";
  log.seekg(offset);
  std::ostringstream text;
  text << log.rdbuf();
  return text.str();
}

inline std::streamoff server_log_size() {
  std::ifstream log(environment("PZ_SERVER_LOG"), std::ios::binary | std::ios::ate);
  return log ? static_cast<std::streamoff>(log.tellg()) : 0;
}

// SQL that logs `count` due events (reward wait long passed) of `loop`
// directly, as tens of thousands of pz_rank calls would, and rewards every
// `reward_every`-th one; the others will get the loop's default reward.
inline std::string insert_due_events_sql(const std::string& loop, int count, int reward_every) {
  std::string count_text = std::to_string(count);
  std::string quoted = "'" + loop + "'";
  return "WITH inserted AS ("
         " INSERT INTO pz.events (event_id, loop_id, created_at, context, actions, ranking,"
         "   probabilities, scores, chosen_action, model_version, active, activated_at)"
         " SELECT gen_random_uuid(), l.loop_id, now() - interval '1 hour',"
         "   jsonb_build_object('user', jsonb_build_object('segment', 's' || i % 7, 'tenure', i % "
         "100),"
         "                      'device', CASE WHEN i % 2 = 0 THEN 'mobile' ELSE 'desktop' END),"
         "   '[{\"id\": \"a\", \"features\": {\"kind\": \"x\", \"price\": 3}},"
         "     {\"id\": \"b\", \"features\": {\"kind\": \"y\", \"price\": 5}},"
         "     {\"id\": \"c\", \"features\": {\"kind\": \"z\", \"price\": 7}}]',"
         "   ARRAY['a', 'b', 'c'], ARRAY[0.8, 0.1, 0.1], ARRAY[0, 0, 0], 'a', 0, true,"
         "   now() - interval '1 hour'"
         " FROM pz.loops AS l, generate_series(1, " +
         count_text +
         ") AS i"
         " WHERE l.name = " +
         quoted +
         " RETURNING event_id)"
         " INSERT INTO pz.rewards (event_id, value)"
         " SELECT event_id, 1 FROM (SELECT event_id, row_number() OVER () AS n FROM inserted) AS "
         "numbered"
         " WHERE n % " +
         std::to_string(reward_every) +
         " = 0;"
         // Statistics at once, as autovacuum gives them a minute later: planned
         // on a bulk load of unknown size, a count over the pz.events view
         // nested a scan of pz.event_state per decision and ran for minutes.
         " ANALYZE pz.decisions, pz.event_state, pz.rewards";
}

// A test against the server: a connection to `postgres` with pz installed.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (environment("PZ_TEST_PORT").empty()) GTEST_SKIP() << "PZ_TEST_HOST/PZ_TEST_PORT not set";
    ASSERT_TRUE(wait_for_server()) << "the server does not accept connections";
    reconnect();
    execute("CREATE EXTENSION IF NOT EXISTS pz");
  }

  // Drops the loops the test created, so that later suites on the same
  // server start from a clean database.
  void TearDown() override {
    if (created_loops_.empty()) return;
    try {
      reconnect();
      for (const std::string& loop : created_loops_)
        execute("SELECT pz_drop_loop(name) FROM pz.loops WHERE name = " + connection_->quote(loop));
    } catch (const std::exception& error) {
      ADD_FAILURE() << "could not drop the test's loops: " << error.what();
    }
  }

  void reconnect(const std::string& database = "postgres") {
    connection_ = std::make_unique<pqxx::connection>(connection_string(database));
  }

  pqxx::connection& connection() { return *connection_; }

  // One statement in its own transaction.
  pqxx::result execute(const std::string& sql) {
    return pqxx::nontransaction(*connection_).exec(sql);
  }

  template <typename T>
  T value(const std::string& sql) {
    return execute(sql).at(0).at(0).as<T>();
  }

  long long count(const std::string& sql) { return value<long long>(sql); }

  // Drops the loop if a previous run left it, and creates it afresh.
  void fresh_loop(const std::string& name, const std::string& settings) {
    execute("SELECT pz_drop_loop(name) FROM pz.loops WHERE name = " + connection_->quote(name));
    execute("SELECT pz_create_loop(" + connection_->quote(name) + ", " +
            connection_->quote(settings) + ")");
    created_loops_.push_back(name);
  }

  // The pid of the running worker, 0 if none (on a connection of its own, so
  // that it works across a server restart).
  static long long worker_pid() {
    pqxx::connection connection(connection_string());
    pqxx::result rows =
        pqxx::nontransaction(connection)
            .exec("SELECT pid FROM pg_stat_activity WHERE backend_type = 'pz trainer' LIMIT 1");
    return rows.empty() ? 0 : rows[0][0].as<long long>();
  }

  // Waits for the worker (it may be restarting after an earlier test).
  static long long wait_for_worker(std::chrono::milliseconds timeout = 30s) {
    long long pid = 0;
    wait_for(timeout, [&] {
      pid = worker_pid();
      return pid != 0;
    });
    return pid;
  }

  // Every event of `loop` counted once: the current model learned exactly
  // the events joined as rewarded or defaulted.
  void expect_each_event_learned_once(const std::string& loop) {
    std::string name = connection_->quote(loop);
    long long learned_events = count(
        "SELECT count(*) FROM pz.events AS e JOIN pz.loops AS l USING (loop_id)"
        " WHERE l.name = " +
        name + " AND e.outcome IN ('rewarded', 'defaulted')");
    long long examples = count(
        "SELECT coalesce(max(m.examples), 0) FROM pz.loops AS l"
        " LEFT JOIN pz.models AS m ON m.loop_id = l.loop_id AND m.version = l.model_version"
        " WHERE l.name = " +
        name);
    EXPECT_EQ(examples, learned_events) << "loop " << loop;
  }

  long long pending_events(const std::string& loop) {
    return count(
        "SELECT count(*) FROM pz.events AS e JOIN pz.loops AS l USING (loop_id)"
        " WHERE l.name = " +
        connection_->quote(loop) + " AND e.joined_at IS NULL");
  }

  long long model_version(const std::string& loop) {
    return count("SELECT model_version FROM pz.loops WHERE name = " + connection_->quote(loop));
  }

 private:
  std::unique_ptr<pqxx::connection> connection_;
  std::vector<std::string> created_loops_;
};

}  // namespace pz_test
