#include "model/ResultFormat.h"

#include "io/Json.h"

namespace lens {

std::string classificationJson(const std::string& path, const std::vector<ClassScore>& top, bool withStatus)
{
    JsonWriter json;
    json.beginObject().key("path").value(path);
    if (withStatus)
        json.key("status").value("ok");
    json.key("top").beginArray();
    for (const auto& score : top) {
        json.beginObject()
            .key("rank")
            .value(score.rank)
            .key("index")
            .value(score.index)
            .key("label")
            .value(score.label)
            .key("probability")
            .value(static_cast<double>(score.probability))
            .key("logit")
            .value(static_cast<double>(score.logit))
            .endObject();
    }
    json.endArray().endObject();
    return json.str();
}

std::string errorJson(const std::string& path, const std::string& message, bool withStatus)
{
    JsonWriter json;
    json.beginObject().key("path").value(path);
    if (withStatus)
        json.key("status").value("error");
    json.key("error").value(message).endObject();
    return json.str();
}

} // namespace lens
