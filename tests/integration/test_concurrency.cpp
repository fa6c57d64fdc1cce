// pz_train in two sessions at once, and pz_train racing the worker: every
// due event is learned by exactly one of them.
#include <atomic>
#include <future>
#include <string>

#include "server.hpp"

namespace pz_test {
namespace {

// A database of its own, which the worker (serving `postgres`) leaves alone,
// so that only the two sessions train.
class ConcurrentTraining : public ServerTest {
 protected:
  static constexpr const char* kDatabase = "pz_concurrency";

  void SetUp() override {
    ServerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    execute(std::string("DROP DATABASE IF EXISTS ") + kDatabase + " WITH (FORCE)");
    execute(std::string("CREATE DATABASE ") + kDatabase);
    reconnect(kDatabase);
    execute("CREATE EXTENSION pz");
  }

  void TearDown() override {
    if (IsSkipped()) return;
    try {
      reconnect();
      execute(std::string("DROP DATABASE IF EXISTS ") + kDatabase + " WITH (FORCE)");
    } catch (const std::exception&) {
    }
  }
};

// Both sessions start pz_train at (nearly) the same moment; returns `learned`.
long long train_in_own_session(const std::string& database, const std::string& loop,
                               std::shared_future<void> start) {
  pqxx::connection connection(connection_string(database));
  pqxx::nontransaction session(connection);
  start.wait();
  return session
      .exec("SELECT (pz_train(" + connection.quote(loop) + ") ->> 'learned')::bigint")[0][0]
      .as<long long>();
}

TEST_F(ConcurrentTraining, TwoSessionsDoNotDoubleLearn) {
  constexpr int kEvents = 20000;
  fresh_loop("concurrent", R"({"reward_wait": "0 seconds", "model_update": "1 hour"})");
  execute(insert_due_events_sql("concurrent", kEvents, 3));

  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  auto first = std::async(std::launch::async, train_in_own_session, kDatabase, "concurrent", start);
  auto second =
      std::async(std::launch::async, train_in_own_session, kDatabase, "concurrent", start);
  go.set_value();
  long long learned_first = first.get();
  long long learned_second = second.get();

  EXPECT_EQ(learned_first + learned_second, kEvents);
  EXPECT_EQ(pending_events("concurrent"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM pz.events WHERE outcome IN ('rewarded', 'defaulted')"),
            kEvents);
  expect_each_event_learned_once("concurrent");
}

// A session plans the CHECK constraints of pz.decisions once for its
// transactional rank calls: a constraint another session adds, or drops,
// still holds for its next call.
class LoggedChecksAcrossSessions : public ConcurrentTraining {};

TEST_F(LoggedChecksAcrossSessions, ARankingSessionSeesAnotherSessionsConstraint) {
  fresh_loop("checked", "{}");
  pqxx::connection ranking(connection_string(kDatabase));
  auto rank = [&](const std::string& action) {
    pqxx::nontransaction(ranking).exec("SELECT count(*) FROM pz_rank('checked', '{}', '[\"" + action + "\"]')");
  };
  rank("a");
  execute("ALTER TABLE pz.decisions ADD CONSTRAINT no_x CHECK (chosen_action <> 'x')");
  try {
    rank("x");
    ADD_FAILURE() << "the ranking session logged a decision that the new constraint refuses";
  } catch (const pqxx::sql_error& error) {
    EXPECT_EQ(error.sqlstate(), "23514") << error.what();
  }
  rank("b");
  execute("ALTER TABLE pz.decisions DROP CONSTRAINT no_x");
  rank("x");
  EXPECT_EQ(value<std::string>("SELECT string_agg(chosen_action, ',' ORDER BY created_at) FROM pz.decisions"),
            "a,b,x");
}

// In `postgres`, where the worker trains the same loop on its own cadence.
class TrainingAlongsideTheWorker : public ServerTest {};

TEST_F(TrainingAlongsideTheWorker, PzTrainAndTheWorkerDoNotDoubleLearn) {
  ASSERT_NE(wait_for_worker(), 0);
  constexpr int kEvents = 30000;
  fresh_loop("alongside", R"({"reward_wait": "0 seconds", "model_update": "1 second"})");
  // Several rounds of new events, each trained by whichever comes first.
  for (int round = 0; round < 3; ++round) {
    execute(insert_due_events_sql("alongside", kEvents / 3, 2));
    execute("SELECT pz_train('alongside')");
  }
  ASSERT_TRUE(wait_for(30s, [&] { return pending_events("alongside") == 0; }));
  EXPECT_EQ(count("SELECT count(*) FROM pz.events AS e JOIN pz.loops AS l USING (loop_id)"
                  " WHERE l.name = 'alongside' AND e.outcome IN ('rewarded', 'defaulted')"),
            kEvents);
  expect_each_event_learned_once("alongside");
}

}  // namespace
}  // namespace pz_test
