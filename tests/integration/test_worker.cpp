// The background worker: visible, trains loops by itself, exits cleanly on
// SIGTERM and comes back, reloads its settings on SIGHUP, and survives a
// loop whose training fails.
#include <string>

#include "server.hpp"

namespace pz_test {
namespace {

class Worker : public ServerTest {};

TEST_F(Worker, ShowsInPgStatActivity) {
  ASSERT_NE(wait_for_worker(), 0) << "no backend with backend_type 'pz trainer'";
  EXPECT_EQ(
      value<std::string>("SELECT datname FROM pg_stat_activity WHERE backend_type = 'pz trainer'"),
      "postgres");
}

TEST_F(Worker, TrainsALoopWithinModelUpdatePlusNaptime) {
  ASSERT_NE(wait_for_worker(), 0);
  fresh_loop("worker_learns", R"({"reward_wait": "0 seconds", "model_update": "1 second"})");
  {
    // Ranked and rewarded in one transaction: the worker sees both at once.
    pqxx::work transaction(connection());
    for (int i = 0; i < 20; ++i) {
      std::string event_id = transaction
                                 .exec(
                                     "SELECT event_id FROM pz_rank('worker_learns', '{\"user\": "
                                     "{\"segment\": \"budget\"}}',"
                                     " '[\"apple\", \"brick\"]') WHERE rank = 1")[0][0]
                                 .as<std::string>();
      transaction.exec("SELECT pz_reward('" + event_id + "', 1)");
    }
    transaction.commit();
  }
  auto ranked = std::chrono::steady_clock::now();
  // model_update (1 s) + pz.naptime (1 s) + slack for a busy machine.
  ASSERT_TRUE(wait_for(10s, [&] { return model_version("worker_learns") > 0; }))
      << "the worker did not train the loop";
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - ranked).count();
  RecordProperty("seconds_to_new_model", std::to_string(seconds));
  EXPECT_EQ(pending_events("worker_learns"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM pz.events AS e JOIN pz.loops AS l USING (loop_id)"
                  " WHERE l.name = 'worker_learns' AND e.outcome = 'rewarded'"),
            20);
  expect_each_event_learned_once("worker_learns");
}

TEST_F(Worker, SigtermExitsCleanlyAndTheWorkerComesBack) {
  ASSERT_FALSE(environment("PZ_SERVER_LOG").empty()) << "PZ_SERVER_LOG not set";
  long long pid = wait_for_worker();
  ASSERT_NE(pid, 0);
  std::streamoff log_start = server_log_size();
  EXPECT_TRUE(value<bool>("SELECT pg_terminate_backend(" + std::to_string(pid) + ")"));

  // bgw_restart_time is 5 s.
  long long restarted = 0;
  EXPECT_TRUE(wait_for(30s, [&] {
    restarted = worker_pid();
    return restarted != 0 && restarted != pid;
  })) << "the worker did not come back";

  std::string pid_text = std::to_string(pid);
  std::string log;
  EXPECT_TRUE(wait_for(10s, [&] {
    log = server_log_since(log_start);
    return log.find("(PID " + pid_text + ") exited with exit code 1") != std::string::npos;
  })) << log;
  EXPECT_NE(log.find("terminating background worker \"pz trainer\" due to administrator command"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("terminated by signal"), std::string::npos) << log;
  EXPECT_EQ(log.find("terminating any other active server processes"), std::string::npos) << log;
  // Our connection survived: no crash restart of the server.
  EXPECT_EQ(count("SELECT 1"), 1);
}

TEST_F(Worker, WorkerEnabledIsReloadedOnSighup) {
  ASSERT_NE(wait_for_worker(), 0);
  execute("ALTER SYSTEM SET pz.worker_enabled = off");
  execute("SELECT pg_reload_conf()");
  std::this_thread::sleep_for(2s);  // the worker reloads at its next wake-up
  fresh_loop("worker_paused", R"({"reward_wait": "0 seconds", "model_update": "1 second"})");
  execute(insert_due_events_sql("worker_paused", 10, 2));
  std::this_thread::sleep_for(4s);
  long long version_while_off = model_version("worker_paused");

  execute("ALTER SYSTEM RESET pz.worker_enabled");
  execute("SELECT pg_reload_conf()");
  EXPECT_EQ(version_while_off, 0) << "the worker trained while pz.worker_enabled was off";
  EXPECT_TRUE(wait_for(15s, [&] { return model_version("worker_paused") > 0; }))
      << "the worker did not resume after pz.worker_enabled was reset";
  expect_each_event_learned_once("worker_paused");
}

TEST_F(Worker, AFailingLoopDoesNotStopTheOthers) {
  long long pid = wait_for_worker();
  ASSERT_NE(pid, 0);
  std::streamoff log_start = server_log_size();
  fresh_loop("worker_broken", R"({"reward_wait": "0 seconds", "model_update": "1 second"})");
  fresh_loop("worker_healthy", R"({"reward_wait": "0 seconds", "model_update": "1 second"})");
  // A current model that cannot be read: every training step of the loop fails.
  execute(insert_due_events_sql("worker_broken", 10, 2));
  execute("SELECT pz_train('worker_broken')");
  execute(
      "UPDATE pz.models SET weights = '\\x00'::bytea"
      " WHERE loop_id = (SELECT loop_id FROM pz.loops WHERE name = 'worker_broken')");
  execute(insert_due_events_sql("worker_broken", 10, 2));
  execute(insert_due_events_sql("worker_healthy", 10, 2));

  EXPECT_TRUE(wait_for(15s, [&] { return model_version("worker_healthy") > 0; }))
      << "the healthy loop was not trained";
  EXPECT_EQ(pending_events("worker_healthy"), 0);
  EXPECT_EQ(pending_events("worker_broken"), 10) << "the failed step must leave nothing behind";
  EXPECT_EQ(model_version("worker_broken"), 1);
  if (!environment("PZ_SERVER_LOG").empty()) {
    std::string log;
    EXPECT_TRUE(wait_for(10s, [&] {
      log = server_log_since(log_start);
      return log.find("could not train loop \"worker_broken\"") != std::string::npos;
    })) << log;
  }
  EXPECT_EQ(worker_pid(), pid) << "the worker must survive a failing loop";
}

}  // namespace
}  // namespace pz_test
