#pragma once
// Registry routes (images issue 5): pull (POST /images/create?fromImage=, reached through
// image_routes' create_image), push, and the Docker JSON progress stream they answer with.
#include "server/route.hpp"

namespace gocker::server {

// POST /images/create?fromImage=NAME[&tag=TAG]: the X-Registry-Auth header carries credentials.
engine::Task<Reply> pull_image(const RequestContext& context);

// POST /images/{name*}/push[?tag=TAG]: the X-Registry-Auth header carries credentials.
engine::Task<Reply> push_image(const RequestContext& context);

// POST /auth: Docker's AuthConfig (username, password, serveraddress; or identitytoken) checked
// with the registry; {"Status": "Login Succeeded", "IdentityToken": T} when it accepts them, T the
// refresh token a token server gave for the password ("" when none).
engine::Task<Reply> login(const RequestContext& context);

// Streams a registry job's progress: the 200 head goes out with the first message, so a job that
// fails before saying anything (an unknown manifest, a refused login) gets an ordinary error
// response with its status instead.
engine::Task<void> pump_progress(std::shared_ptr<engine::Engine::ProgressJob> job, std::string server_version,
                                 engine::UnixSocket client);

}  // namespace gocker::server
