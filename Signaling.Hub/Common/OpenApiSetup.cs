namespace Signaling.Hub.Common;

/// <summary>The OpenAPI document of every HTTP route, at <c>/openapi/v1.json</c>.</summary>
public static class OpenApiSetup
{
    public static WebApplicationBuilder AddSignalingOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Signaling";
            document.Info.Description = "WebRTC signaling service: rooms, files, ICE servers. The hub at /hubs/signaling is described by Signaling.Contracts.";
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static IEndpointRouteBuilder MapSignalingOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi().AllowAnonymous();
        return app;
    }
}
