// AdminService's booklet records and refund statements, for sponsors.
#include "absl/strings/str_cat.h"
#include "server/admin_service.h"
#include "server/grpc_status.h"
#include "server/proto_convert.h"

namespace passclear {
namespace {

constexpr uint32_t kDefaultBookletPage = 100;
constexpr uint32_t kMaxBookletPage = 1000;

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                 const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// The booklet with what became of its passes.
absl::Status FillBookletWithPasses(const storage::PassStore& store,
                                   const storage::Booklet& booklet,
                                   v1::Booklet* message) {
  absl::StatusOr<storage::BookletPasses> passes =
      store.CountBookletPasses(booklet);
  if (!passes.ok()) return passes.status();
  FillBooklet(booklet, message);
  message->set_passes_redeemed(passes->redeemed);
  message->set_passes_voided(
      static_cast<uint32_t>(passes->voided_serials.size()));
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* AdminService::GetBooklet(
    grpc::CallbackServerContext* context, const v1::BookletRef* request,
    v1::Booklet* response) {
  absl::StatusOr<storage::Booklet> booklet =
      store_.ReadBooklet(request->booklet_id());
  if (!booklet.ok()) return Finish(context, booklet.status());
  return Finish(context, FillBookletWithPasses(store_, *booklet, response));
}

grpc::ServerUnaryReactor* AdminService::ListBooklets(
    grpc::CallbackServerContext* context,
    const v1::ListBookletsRequest* request,
    v1::ListBookletsResponse* response) {
  const uint32_t page_size =
      request->page_size() == 0 ? kDefaultBookletPage : request->page_size();
  if (page_size > kMaxBookletPage) {
    return Finish(context, absl::InvalidArgumentError(absl::StrCat(
                               "page_size: at most ", kMaxBookletPage, ", got ",
                               request->page_size())));
  }
  // One more than the page tells whether another page follows.
  absl::StatusOr<std::vector<storage::Booklet>> booklets =
      store_.ListProgrammeBooklets(request->programme_id(),
                                   request->after_booklet_id(), page_size + 1);
  if (!booklets.ok()) return Finish(context, booklets.status());
  const bool more = booklets->size() > page_size;
  if (more) booklets->pop_back();
  for (const storage::Booklet& booklet : *booklets) {
    absl::Status filled =
        FillBookletWithPasses(store_, booklet, response->add_booklets());
    if (!filled.ok()) return Finish(context, filled);
  }
  if (more) response->set_next_after_booklet_id(booklets->back().id);
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* AdminService::GetRefundStatement(
    grpc::CallbackServerContext* context, const v1::ProgrammeRef* request,
    v1::RefundStatement* response) {
  absl::StatusOr<storage::SignedStatement> statement =
      store_.RefundStatement(request->programme_id());
  if (statement.ok()) {
    response->set_programme_id(request->programme_id());
    response->set_text(statement->text);
    response->set_signature(statement->signature);
    response->set_signing_key_version(statement->signing_key_version);
  }
  return Finish(context, statement.status());
}

}  // namespace passclear
