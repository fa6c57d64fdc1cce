// kill -9 of the worker in the middle of a training step: after crash
// recovery and the worker's restart, every event is learned exactly once.
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "server.hpp"

namespace pz_test {
namespace {

class WorkerCrash : public ServerTest {};

TEST_F(WorkerCrash, KillDuringTrainingCountsEveryEventOnce) {
  // Long enough that one step of the worker takes seconds.
  constexpr int kEvents = 150000;
  ASSERT_NE(wait_for_worker(), 0);
  std::streamoff log_start = server_log_size();
  fresh_loop("crash", R"({"reward_wait": "0 seconds", "model_update": "1 second"})");
  execute(insert_due_events_sql("crash", kEvents, 3));

  long long pid = 0;
  ASSERT_TRUE(wait_for(
      30s,
      [&] {
        pqxx::result rows = execute(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pz trainer'"
            " AND state = 'active' AND query = 'pz: training loop crash'");
        if (rows.empty()) return false;
        pid = rows[0][0].as<long long>();
        return true;
      },
      10ms))
      << "the worker did not start training the loop";
  std::this_thread::sleep_for(300ms);  // well inside the step
  // Nothing committed yet: the kill interrupts the first step.
  long long pending_at_kill = pending_events("crash");
  ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGKILL), 0)
      << "kill -9 " << pid << ": " << std::strerror(errno) << " (run as root or postgres)";

  EXPECT_EQ(pending_at_kill, kEvents) << "the first step had already committed before the kill";

  // The postmaster notices the crash and resets every backend, ours too;
  // until then the server may still accept connections.
  EXPECT_TRUE(wait_for(30s, [&] {
    try {
      execute("SELECT 1");
      return false;
    } catch (const std::exception&) {
      return true;
    }
  })) << "the crash did not reset the server";
  // Then it recovers and restarts the worker, which trains the loop from where
  // the last committed step left it.
  ASSERT_TRUE(wait_for_server(120s)) << "the server did not come back";
  ASSERT_TRUE(wait_for(
      180s,
      [&] {
        reconnect();  // a failed attempt may have left the connection broken
        return pending_events("crash") == 0;
      },
      500ms))
      << "the restarted worker did not finish the loop";

  EXPECT_EQ(count("SELECT count(*) FROM pz.events AS e JOIN pz.loops AS l USING (loop_id)"
                  " WHERE l.name = 'crash'"),
            kEvents)
      << "no event may be lost";
  EXPECT_EQ(count("SELECT count(*) FROM pz.events AS e JOIN pz.loops AS l USING (loop_id)"
                  " WHERE l.name = 'crash' AND e.outcome IN ('rewarded', 'defaulted')"),
            kEvents);
  expect_each_event_learned_once("crash");

  if (!environment("PZ_SERVER_LOG").empty()) {
    std::string log = server_log_since(log_start);
    EXPECT_NE(log.find("(PID " + std::to_string(pid) + ") was terminated by signal 9"),
              std::string::npos)
        << log;
  }
  EXPECT_NE(wait_for_worker(), 0) << "the worker must be running again";
}

}  // namespace
}  // namespace pz_test
