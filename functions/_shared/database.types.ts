
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  
  "coach": {
          Tables: {
            "day_logs": {
                  Row: {
                    "ai_plan": string | null,"ai_report": string | null,"created_at": string,"deleted_at": string | null,"id": string,"log_date": string,"mood": number | null,"note": string | null,"score": number | null,"status": string,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "ai_plan"?: string | null,"ai_report"?: string | null,"created_at"?: string,"deleted_at"?: string | null,"id": string,"log_date": string,"mood"?: number | null,"note"?: string | null,"score"?: number | null,"status"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "ai_plan"?: string | null,"ai_report"?: string | null,"created_at"?: string,"deleted_at"?: string | null,"id"?: string,"log_date"?: string,"mood"?: number | null,"note"?: string | null,"score"?: number | null,"status"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"meals": {
                  Row: {
                    "calories": number | null,"created_at": string,"day_log_id": string,"deleted_at": string | null,"description": string,"id": string,"log_date": string,"meal_type": string,"photo_path": string | null,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "calories"?: number | null,"created_at"?: string,"day_log_id": string,"deleted_at"?: string | null,"description": string,"id": string,"log_date": string,"meal_type": string,"photo_path"?: string | null,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "calories"?: number | null,"created_at"?: string,"day_log_id"?: string,"deleted_at"?: string | null,"description"?: string,"id"?: string,"log_date"?: string,"meal_type"?: string,"photo_path"?: string | null,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "meals_day_log_id_fkey"
      columns: ["day_log_id"]
isOneToOne: false
      referencedRelation: "day_logs"
      referencedColumns: ["id"]
    }
                  ]
                },"period_summaries": {
                  Row: {
                    "ai_task_id": string | null,"fingerprint": string,"period": string,"summary": string | null,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "ai_task_id"?: string | null,"fingerprint": string,"period": string,"summary"?: string | null,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "ai_task_id"?: string | null,"fingerprint"?: string,"period"?: string,"summary"?: string | null,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    
                  ]
                },"readings": {
                  Row: {
                    "ai_summary": string | null,"book": string,"created_at": string,"day_log_id": string,"deleted_at": string | null,"id": string,"log_date": string,"minutes": number,"notes": string | null,"pages": number | null,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "ai_summary"?: string | null,"book": string,"created_at"?: string,"day_log_id": string,"deleted_at"?: string | null,"id": string,"log_date": string,"minutes": number,"notes"?: string | null,"pages"?: number | null,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "ai_summary"?: string | null,"book"?: string,"created_at"?: string,"day_log_id"?: string,"deleted_at"?: string | null,"id"?: string,"log_date"?: string,"minutes"?: number,"notes"?: string | null,"pages"?: number | null,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "readings_day_log_id_fkey"
      columns: ["day_log_id"]
isOneToOne: false
      referencedRelation: "day_logs"
      referencedColumns: ["id"]
    }
                  ]
                },"settings": {
                  Row: {
                    "ai_style": NonNullable<Json>,"deleted_at": string | null,"id": string,"record_reminder": string | null,"reminders_enabled": boolean,"review_reminder": string | null,"share_notes_with_ai": boolean,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "ai_style"?: NonNullable<Json>,"deleted_at"?: string | null,"id": string,"record_reminder"?: string | null,"reminders_enabled"?: boolean,"review_reminder"?: string | null,"share_notes_with_ai"?: boolean,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "ai_style"?: NonNullable<Json>,"deleted_at"?: string | null,"id"?: string,"record_reminder"?: string | null,"reminders_enabled"?: boolean,"review_reminder"?: string | null,"share_notes_with_ai"?: boolean,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"sleeps": {
                  Row: {
                    "bed_time": string,"created_at": string,"day_log_id": string,"deleted_at": string | null,"id": string,"log_date": string,"note": string | null,"quality": number | null,"updated_at": string,"user_id": string,"version": number,"wake_time": string
                  }
                  ComputedFields: never
                  Insert: {
                    "bed_time": string,"created_at"?: string,"day_log_id": string,"deleted_at"?: string | null,"id": string,"log_date": string,"note"?: string | null,"quality"?: number | null,"updated_at"?: string,"user_id"?: string,"version"?: number,"wake_time": string
                  }
                  Update: {
                    "bed_time"?: string,"created_at"?: string,"day_log_id"?: string,"deleted_at"?: string | null,"id"?: string,"log_date"?: string,"note"?: string | null,"quality"?: number | null,"updated_at"?: string,"user_id"?: string,"version"?: number,"wake_time"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "sleeps_day_log_id_fkey"
      columns: ["day_log_id"]
isOneToOne: false
      referencedRelation: "day_logs"
      referencedColumns: ["id"]
    }
                  ]
                },"targets": {
                  Row: {
                    "daily_goal": number,"deleted_at": string | null,"dimension": string,"id": string,"updated_at": string,"user_id": string,"version": number,"weekly_goal": number
                  }
                  ComputedFields: never
                  Insert: {
                    "daily_goal": number,"deleted_at"?: string | null,"dimension": string,"id": string,"updated_at"?: string,"user_id"?: string,"version"?: number,"weekly_goal": number
                  }
                  Update: {
                    "daily_goal"?: number,"deleted_at"?: string | null,"dimension"?: string,"id"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number,"weekly_goal"?: number
                  }
                  Relationships: [
                    
                  ]
                },"work_notes": {
                  Row: {
                    "created_at": string,"day_log_id": string,"deleted_at": string | null,"focus_minutes": number,"id": string,"log_date": string,"note": string | null,"tasks": (string)[],"tasks_done": number,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"day_log_id": string,"deleted_at"?: string | null,"focus_minutes": number,"id": string,"log_date": string,"note"?: string | null,"tasks"?: (string)[],"tasks_done"?: number,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "created_at"?: string,"day_log_id"?: string,"deleted_at"?: string | null,"focus_minutes"?: number,"id"?: string,"log_date"?: string,"note"?: string | null,"tasks"?: (string)[],"tasks_done"?: number,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "work_notes_day_log_id_fkey"
      columns: ["day_log_id"]
isOneToOne: false
      referencedRelation: "day_logs"
      referencedColumns: ["id"]
    }
                  ]
                },"workouts": {
                  Row: {
                    "calories": number | null,"created_at": string,"day_log_id": string,"deleted_at": string | null,"duration_minutes": number,"id": string,"intensity": string,"log_date": string,"note": string | null,"updated_at": string,"user_id": string,"version": number,"workout_type": string
                  }
                  ComputedFields: never
                  Insert: {
                    "calories"?: number | null,"created_at"?: string,"day_log_id": string,"deleted_at"?: string | null,"duration_minutes": number,"id": string,"intensity"?: string,"log_date": string,"note"?: string | null,"updated_at"?: string,"user_id"?: string,"version"?: number,"workout_type": string
                  }
                  Update: {
                    "calories"?: number | null,"created_at"?: string,"day_log_id"?: string,"deleted_at"?: string | null,"duration_minutes"?: number,"id"?: string,"intensity"?: string,"log_date"?: string,"note"?: string | null,"updated_at"?: string,"user_id"?: string,"version"?: number,"workout_type"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "workouts_day_log_id_fkey"
      columns: ["day_log_id"]
isOneToOne: false
      referencedRelation: "day_logs"
      referencedColumns: ["id"]
    }
                  ]
                }
          }
          Views: {
            [_ in never]: never
          }
          Functions: {
            "day_actuals":
{ Args: { "p_from": string,"p_to": string,"p_user_id": string }; Returns: {
              "amount": number,"dimension": string,"log_date": string,"records": number
            }[]
                           },
"day_brief":
{ Args: { "p_date": string }; Returns: Json
                           },
"day_log_id":
{ Args: { "p_date": string,"p_user_id": string }; Returns: string
                           },
"day_score":
{ Args: { "p_date": string,"p_user_id": string }; Returns: number
                           },
"day_view":
{ Args: { "p_date": string }; Returns: Json
                           },
"default_targets":
{ Args: Record<PropertyKey, never>; Returns: {
              "daily_goal": number,"dimension": string,"weekly_goal": number
            }[]
                           },
"period_stats":
{ Args: { "p_from": string,"p_to": string }; Returns: Json
                           },
"period_summary_claim":
{ Args: { "p_fingerprint": string,"p_period": string,"p_task_id": string,"p_user_id": string }; Returns: undefined
                           },
"refresh_day_score":
{ Args: { "p_date": string,"p_user_id": string }; Returns: undefined
                           },
"row_id":
{ Args: { "p_key": string,"p_user_id": string }; Returns: string
                           },
"stored_day_score":
{ Args: { "p_date": string }; Returns: number
                           },
"user_targets":
{ Args: { "p_user_id": string }; Returns: {
              "daily_goal": number,"dimension": string,"weekly_goal": number
            }[]
                           }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        },"companion": {
          Tables: {
            [_ in never]: never
          }
          Views: {
            [_ in never]: never
          }
          Functions: {
            [_ in never]: never
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        },"diary": {
          Tables: {
            "custom_tasks": {
                  Row: {
                    "category": string,"created_at": string,"deleted_at": string | null,"description": string | null,"id": string,"points_reward": number,"task_date": string,"title": string,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "category"?: string,"created_at"?: string,"deleted_at"?: string | null,"description"?: string | null,"id": string,"points_reward"?: number,"task_date": string,"title": string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "category"?: string,"created_at"?: string,"deleted_at"?: string | null,"description"?: string | null,"id"?: string,"points_reward"?: number,"task_date"?: string,"title"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"diaries": {
                  Row: {
                    "ai_comment": string | null,"ai_image_path": string | null,"content": string,"created_at": string,"deleted_at": string | null,"entry_date": string,"id": string,"images": (string)[],"is_draft": boolean,"mood": string | null,"on_time": boolean,"tags": (string)[],"updated_at": string,"user_id": string,"version": number,"weather": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "ai_comment"?: string | null,"ai_image_path"?: string | null,"content"?: string,"created_at"?: string,"deleted_at"?: string | null,"entry_date": string,"id": string,"images"?: (string)[],"is_draft"?: boolean,"mood"?: string | null,"on_time"?: boolean,"tags"?: (string)[],"updated_at"?: string,"user_id"?: string,"version"?: number,"weather"?: string | null
                  }
                  Update: {
                    "ai_comment"?: string | null,"ai_image_path"?: string | null,"content"?: string,"created_at"?: string,"deleted_at"?: string | null,"entry_date"?: string,"id"?: string,"images"?: (string)[],"is_draft"?: boolean,"mood"?: string | null,"on_time"?: boolean,"tags"?: (string)[],"updated_at"?: string,"user_id"?: string,"version"?: number,"weather"?: string | null
                  }
                  Relationships: [
                    
                  ]
                },"lottery_draws": {
                  Row: {
                    "cost": number,"created_at": string,"deleted_at": string | null,"id": string,"idempotency_key": string,"ledger_entry_id": number | null,"odds": NonNullable<Json>,"prize_id": string | null,"random_value": number,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "cost": number,"created_at"?: string,"deleted_at"?: string | null,"id"?: string,"idempotency_key": string,"ledger_entry_id"?: number | null,"odds": NonNullable<Json>,"prize_id"?: string | null,"random_value": number,"updated_at"?: string,"user_id": string,"version"?: number
                  }
                  Update: {
                    "cost"?: number,"created_at"?: string,"deleted_at"?: string | null,"id"?: string,"idempotency_key"?: string,"ledger_entry_id"?: number | null,"odds"?: NonNullable<Json>,"prize_id"?: string | null,"random_value"?: number,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "lottery_draws_prize_id_fkey"
      columns: ["prize_id"]
isOneToOne: false
      referencedRelation: "prizes"
      referencedColumns: ["id"]
    }
                  ]
                },"prizes": {
                  Row: {
                    "active": boolean,"created_at": string,"description": NonNullable<Json>,"id": string,"image_url": string | null,"name": NonNullable<Json>,"probability": number,"sort": number,"stock": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "active"?: boolean,"created_at"?: string,"description"?: NonNullable<Json>,"id"?: string,"image_url"?: string | null,"name": NonNullable<Json>,"probability": number,"sort"?: number,"stock"?: number,"updated_at"?: string
                  }
                  Update: {
                    "active"?: boolean,"created_at"?: string,"description"?: NonNullable<Json>,"id"?: string,"image_url"?: string | null,"name"?: NonNullable<Json>,"probability"?: number,"sort"?: number,"stock"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"profiles": {
                  Row: {
                    "avatar_path": string | null,"continuous_days": number,"created_at": string,"deleted_at": string | null,"earning_streak": number,"earning_streak_date": string | null,"id": string,"last_diary_date": string | null,"nickname": string | null,"timezone": string,"total_diaries": number,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "avatar_path"?: string | null,"continuous_days"?: number,"created_at"?: string,"deleted_at"?: string | null,"earning_streak"?: number,"earning_streak_date"?: string | null,"id": string,"last_diary_date"?: string | null,"nickname"?: string | null,"timezone"?: string,"total_diaries"?: number,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "avatar_path"?: string | null,"continuous_days"?: number,"created_at"?: string,"deleted_at"?: string | null,"earning_streak"?: number,"earning_streak_date"?: string | null,"id"?: string,"last_diary_date"?: string | null,"nickname"?: string | null,"timezone"?: string,"total_diaries"?: number,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"system_tasks": {
                  Row: {
                    "active": boolean,"category": string,"created_at": string,"description": NonNullable<Json>,"key": string,"points_reward": number,"sort": number,"title": NonNullable<Json>,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "active"?: boolean,"category": string,"created_at"?: string,"description"?: NonNullable<Json>,"key": string,"points_reward": number,"sort"?: number,"title": NonNullable<Json>,"updated_at"?: string
                  }
                  Update: {
                    "active"?: boolean,"category"?: string,"created_at"?: string,"description"?: NonNullable<Json>,"key"?: string,"points_reward"?: number,"sort"?: number,"title"?: NonNullable<Json>,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"task_completions": {
                  Row: {
                    "completed_at": string,"created_at": string,"custom_task_id": string | null,"deleted_at": string | null,"id": string,"ledger_entry_id": number | null,"points_granted": number,"system_task_key": string | null,"task_date": string,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "completed_at"?: string,"created_at"?: string,"custom_task_id"?: string | null,"deleted_at"?: string | null,"id"?: string,"ledger_entry_id"?: number | null,"points_granted"?: number,"system_task_key"?: string | null,"task_date": string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "completed_at"?: string,"created_at"?: string,"custom_task_id"?: string | null,"deleted_at"?: string | null,"id"?: string,"ledger_entry_id"?: number | null,"points_granted"?: number,"system_task_key"?: string | null,"task_date"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "task_completions_custom_task_fkey"
      columns: ["custom_task_id","user_id"]
isOneToOne: false
      referencedRelation: "custom_tasks"
      referencedColumns: ["id","user_id"]
    },{
      foreignKeyName: "task_completions_system_task_key_fkey"
      columns: ["system_task_key"]
isOneToOne: false
      referencedRelation: "system_tasks"
      referencedColumns: ["key"]
    }
                  ]
                }
          }
          Views: {
            [_ in never]: never
          }
          Functions: {
            "are_own_image_paths":
{ Args: { "p_paths": (string)[],"p_user_id": string }; Returns: boolean
                           },
"are_valid_tags":
{ Args: { "p_tags": (string)[] }; Returns: boolean
                           },
"attach_ai_image":
{ Args: { "p_diary_id": string,"p_path": string }; Returns: undefined
                           },
"caller_today":
{ Args: Record<PropertyKey, never>; Returns: string
                           },
"complete_task":
{ Args: { "p_date": string,"p_task": string,"p_user_id": string }; Returns: Json
                           },
"draw":
{ Args: { "p_idempotency_key": string,"p_user_id": string }; Returns: Json
                           },
"draw_result":
{ Args: { "p_draw": Omit<Database["diary"]['Tables']["lottery_draws"]['Row'], Database["diary"]['Tables']["lottery_draws"]['ComputedFields']>,"p_replayed": boolean }; Returns: Json
                           },
"expire_streaks":
{ Args: Record<PropertyKey, never>; Returns: number
                           },
"grant_diary_rewards":
{ Args: { "p_diary": Omit<Database["diary"]['Tables']["diaries"]['Row'], Database["diary"]['Tables']["diaries"]['ComputedFields']>,"p_profile": Omit<Database["diary"]['Tables']["profiles"]['Row'], Database["diary"]['Tables']["profiles"]['ComputedFields']> }; Returns: undefined
                           },
"grant_once":
{ Args: { "p_amount": number,"p_key": string,"p_kind": string,"p_reason": string,"p_ref_id": string,"p_ref_type": string,"p_user_id": string }; Returns: unknown
                          SetofOptions: {
        from: "*"
        to: "wallet_posting"
        isOneToOne: true
        isSetofReturn: false
      } },
"import_opening_balance":
{ Args: { "p_points": number,"p_user_id": string }; Returns: Json
                           },
"import_own_opening_balance":
{ Args: { "p_points": number }; Returns: Json
                           },
"local_date":
{ Args: { "p_at"?: string,"p_timezone": string }; Returns: string
                           },
"points_balance":
{ Args: { "p_user_id": string }; Returns: number
                           },
"recompute_profile":
{ Args: { "p_at"?: string,"p_user_id": string }; Returns: {
              "avatar_path": string | null,
"continuous_days": number,
"created_at": string,
"deleted_at": string | null,
"earning_streak": number,
"earning_streak_date": string | null,
"id": string,
"last_diary_date": string | null,
"nickname": string | null,
"timezone": string,
"total_diaries": number,
"updated_at": string,
"user_id": string,
"version": number
            }
                          SetofOptions: {
        from: "*"
        to: "profiles"
        isOneToOne: true
        isSetofReturn: false
      } },
"setting":
{ Args: { "p_key": string,"p_path": (string)[] }; Returns: Json
                           },
"user_timezone":
{ Args: { "p_user_id": string }; Returns: string
                           }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        },"pickitchen": {
          Tables: {
            "emoji_detections": {
                  Row: {
                    "created_at": string,"ext_bbox": (number)[] | null,"face_bbox": (number)[] | null,"image_path": string,"message": string | null,"passed": boolean,"provider": string,"reason": string | null,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"ext_bbox"?: (number)[] | null,"face_bbox"?: (number)[] | null,"image_path": string,"message"?: string | null,"passed": boolean,"provider": string,"reason"?: string | null,"user_id": string
                  }
                  Update: {
                    "created_at"?: string,"ext_bbox"?: (number)[] | null,"face_bbox"?: (number)[] | null,"image_path"?: string,"message"?: string | null,"passed"?: boolean,"provider"?: string,"reason"?: string | null,"user_id"?: string
                  }
                  Relationships: [
                    
                  ]
                },"emoji_tasks": {
                  Row: {
                    "completed_at": string | null,"created_at": string,"deadline_at": string,"driven_id": string,"error_code": string | null,"error_message": string | null,"hidden_at": string | null,"id": string,"idempotency_key": string | null,"image_path": string,"points_cost": number,"provider": string | null,"provider_task_id": string | null,"refunded": boolean,"result_path": string | null,"started_at": string | null,"status": string,"style_name": string,"task_type": string,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "completed_at"?: string | null,"created_at"?: string,"deadline_at": string,"driven_id": string,"error_code"?: string | null,"error_message"?: string | null,"hidden_at"?: string | null,"id"?: string,"idempotency_key"?: string | null,"image_path": string,"points_cost": number,"provider"?: string | null,"provider_task_id"?: string | null,"refunded"?: boolean,"result_path"?: string | null,"started_at"?: string | null,"status"?: string,"style_name": string,"task_type"?: string,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "completed_at"?: string | null,"created_at"?: string,"deadline_at"?: string,"driven_id"?: string,"error_code"?: string | null,"error_message"?: string | null,"hidden_at"?: string | null,"id"?: string,"idempotency_key"?: string | null,"image_path"?: string,"points_cost"?: number,"provider"?: string | null,"provider_task_id"?: string | null,"refunded"?: boolean,"result_path"?: string | null,"started_at"?: string | null,"status"?: string,"style_name"?: string,"task_type"?: string,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    
                  ]
                }
          }
          Views: {
            [_ in never]: never
          }
          Functions: {
            [_ in never]: never
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        },"public": {
          Tables: {
            "ai_tasks": {
                  Row: {
                    "app_id": Database["public"]['Enums']["app_id"],"charge_amount": number,"charge_currency": string | null,"created_at": string,"error": string | null,"fallback": boolean,"finished_at": string | null,"id": string,"input": NonNullable<Json>,"kind": string,"provider_task_id": string | null,"refunded": boolean,"result": Json | null,"started_at": string | null,"status": string,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "app_id": Database["public"]['Enums']["app_id"],"charge_amount"?: number,"charge_currency"?: string | null,"created_at"?: string,"error"?: string | null,"fallback"?: boolean,"finished_at"?: string | null,"id"?: string,"input"?: NonNullable<Json>,"kind": string,"provider_task_id"?: string | null,"refunded"?: boolean,"result"?: Json | null,"started_at"?: string | null,"status"?: string,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "app_id"?: Database["public"]['Enums']["app_id"],"charge_amount"?: number,"charge_currency"?: string | null,"created_at"?: string,"error"?: string | null,"fallback"?: boolean,"finished_at"?: string | null,"id"?: string,"input"?: NonNullable<Json>,"kind"?: string,"provider_task_id"?: string | null,"refunded"?: boolean,"result"?: Json | null,"started_at"?: string | null,"status"?: string,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    
                  ]
                },"app_config": {
                  Row: {
                    "app_id": Database["public"]['Enums']["app_id"],"description": string | null,"key": string,"updated_at": string,"value": NonNullable<Json>
                  }
                  ComputedFields: never
                  Insert: {
                    "app_id": Database["public"]['Enums']["app_id"],"description"?: string | null,"key": string,"updated_at"?: string,"value": NonNullable<Json>
                  }
                  Update: {
                    "app_id"?: Database["public"]['Enums']["app_id"],"description"?: string | null,"key"?: string,"updated_at"?: string,"value"?: NonNullable<Json>
                  }
                  Relationships: [
                    {
      foreignKeyName: "app_config_app_id_fkey"
      columns: ["app_id"]
isOneToOne: false
      referencedRelation: "apps"
      referencedColumns: ["id"]
    }
                  ]
                },"app_profiles": {
                  Row: {
                    "app_id": Database["public"]['Enums']["app_id"],"created_at": string,"first_seen_at": string,"last_seen_at": string,"preferences": NonNullable<Json>,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "app_id": Database["public"]['Enums']["app_id"],"created_at"?: string,"first_seen_at"?: string,"last_seen_at"?: string,"preferences"?: NonNullable<Json>,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "app_id"?: Database["public"]['Enums']["app_id"],"created_at"?: string,"first_seen_at"?: string,"last_seen_at"?: string,"preferences"?: NonNullable<Json>,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "app_profiles_app_id_fkey"
      columns: ["app_id"]
isOneToOne: false
      referencedRelation: "apps"
      referencedColumns: ["id"]
    }
                  ]
                },"apps": {
                  Row: {
                    "created_at": string,"description": string,"id": Database["public"]['Enums']["app_id"],"name": string,"name_zh": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"description"?: string,"id": Database["public"]['Enums']["app_id"],"name": string,"name_zh": string
                  }
                  Update: {
                    "created_at"?: string,"description"?: string,"id"?: Database["public"]['Enums']["app_id"],"name"?: string,"name_zh"?: string
                  }
                  Relationships: [
                    
                  ]
                },"devices": {
                  Row: {
                    "app_id": Database["public"]['Enums']["app_id"],"app_version": string | null,"created_at": string,"id": string,"installation_id": string,"last_seen_at": string,"locale": string | null,"model": string | null,"os_version": string | null,"platform": string,"push_token": string | null,"push_vendor": string | null,"timezone": string | null,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "app_id": Database["public"]['Enums']["app_id"],"app_version"?: string | null,"created_at"?: string,"id"?: string,"installation_id": string,"last_seen_at"?: string,"locale"?: string | null,"model"?: string | null,"os_version"?: string | null,"platform": string,"push_token"?: string | null,"push_vendor"?: string | null,"timezone"?: string | null,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "app_id"?: Database["public"]['Enums']["app_id"],"app_version"?: string | null,"created_at"?: string,"id"?: string,"installation_id"?: string,"last_seen_at"?: string,"locale"?: string | null,"model"?: string | null,"os_version"?: string | null,"platform"?: string,"push_token"?: string | null,"push_vendor"?: string | null,"timezone"?: string | null,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "devices_app_id_fkey"
      columns: ["app_id"]
isOneToOne: false
      referencedRelation: "apps"
      referencedColumns: ["id"]
    }
                  ]
                },"orders": {
                  Row: {
                    "app_id": Database["public"]['Enums']["app_id"],"created_at": string,"granted_amount": number,"id": string,"idempotency_key": string | null,"paid_at": string | null,"price": number | null,"price_currency": string | null,"product_id": string,"quantity": number,"refunded_at": string | null,"status": string,"store": string | null,"store_transaction_id": string | null,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "app_id": Database["public"]['Enums']["app_id"],"created_at"?: string,"granted_amount"?: number,"id"?: string,"idempotency_key"?: string | null,"paid_at"?: string | null,"price"?: number | null,"price_currency"?: string | null,"product_id": string,"quantity"?: number,"refunded_at"?: string | null,"status"?: string,"store"?: string | null,"store_transaction_id"?: string | null,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "app_id"?: Database["public"]['Enums']["app_id"],"created_at"?: string,"granted_amount"?: number,"id"?: string,"idempotency_key"?: string | null,"paid_at"?: string | null,"price"?: number | null,"price_currency"?: string | null,"product_id"?: string,"quantity"?: number,"refunded_at"?: string | null,"status"?: string,"store"?: string | null,"store_transaction_id"?: string | null,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "orders_product_id_fkey"
      columns: ["product_id"]
isOneToOne: false
      referencedRelation: "products"
      referencedColumns: ["id"]
    }
                  ]
                },"products": {
                  Row: {
                    "active": boolean,"app_id": Database["public"]['Enums']["app_id"],"app_store_product_id": string | null,"created_at": string,"currency": string | null,"grant_amount": number,"id": string,"kind": string,"plan": string | null,"play_store_product_id": string | null,"price_hint": string | null,"title": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "active"?: boolean,"app_id": Database["public"]['Enums']["app_id"],"app_store_product_id"?: string | null,"created_at"?: string,"currency"?: string | null,"grant_amount"?: number,"id": string,"kind": string,"plan"?: string | null,"play_store_product_id"?: string | null,"price_hint"?: string | null,"title": string,"updated_at"?: string
                  }
                  Update: {
                    "active"?: boolean,"app_id"?: Database["public"]['Enums']["app_id"],"app_store_product_id"?: string | null,"created_at"?: string,"currency"?: string | null,"grant_amount"?: number,"id"?: string,"kind"?: string,"plan"?: string | null,"play_store_product_id"?: string | null,"price_hint"?: string | null,"title"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "products_app_id_fkey"
      columns: ["app_id"]
isOneToOne: false
      referencedRelation: "apps"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "products_currency_fkey"
      columns: ["app_id","currency"]
isOneToOne: false
      referencedRelation: "wallet_currencies"
      referencedColumns: ["app_id","currency"]
    }
                  ]
                },"profiles": {
                  Row: {
                    "avatar_path": string | null,"created_at": string,"display_name": string | null,"id": string,"locale": string,"timezone": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "avatar_path"?: string | null,"created_at"?: string,"display_name"?: string | null,"id": string,"locale"?: string,"timezone"?: string,"updated_at"?: string
                  }
                  Update: {
                    "avatar_path"?: string | null,"created_at"?: string,"display_name"?: string | null,"id"?: string,"locale"?: string,"timezone"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"subscriptions": {
                  Row: {
                    "app_id": Database["public"]['Enums']["app_id"],"cancelled_at": string | null,"created_at": string,"current_period_end": string | null,"current_period_start": string | null,"id": string,"last_event_at": string,"original_transaction_id": string,"plan": string,"product_id": string,"source": string,"status": string,"store": string,"updated_at": string,"user_id": string,"will_renew": boolean
                  }
                  ComputedFields: never
                  Insert: {
                    "app_id": Database["public"]['Enums']["app_id"],"cancelled_at"?: string | null,"created_at"?: string,"current_period_end"?: string | null,"current_period_start"?: string | null,"id"?: string,"last_event_at": string,"original_transaction_id": string,"plan": string,"product_id": string,"source": string,"status": string,"store": string,"updated_at"?: string,"user_id": string,"will_renew"?: boolean
                  }
                  Update: {
                    "app_id"?: Database["public"]['Enums']["app_id"],"cancelled_at"?: string | null,"created_at"?: string,"current_period_end"?: string | null,"current_period_start"?: string | null,"id"?: string,"last_event_at"?: string,"original_transaction_id"?: string,"plan"?: string,"product_id"?: string,"source"?: string,"status"?: string,"store"?: string,"updated_at"?: string,"user_id"?: string,"will_renew"?: boolean
                  }
                  Relationships: [
                    {
      foreignKeyName: "subscriptions_product_id_fkey"
      columns: ["product_id"]
isOneToOne: false
      referencedRelation: "products"
      referencedColumns: ["id"]
    }
                  ]
                },"sync_samples": {
                  Row: {
                    "deleted_at": string | null,"done": boolean,"id": string,"title": string,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "deleted_at"?: string | null,"done"?: boolean,"id": string,"title": string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "deleted_at"?: string | null,"done"?: boolean,"id"?: string,"title"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"sync_samples_client": {
                  Row: {
                    "deleted_at": string | null,"done": boolean,"id": string,"title": string,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "deleted_at"?: string | null,"done"?: boolean,"id": string,"title": string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "deleted_at"?: string | null,"done"?: boolean,"id"?: string,"title"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"sync_samples_lww": {
                  Row: {
                    "deleted_at": string | null,"done": boolean,"id": string,"title": string,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "deleted_at"?: string | null,"done"?: boolean,"id": string,"title": string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "deleted_at"?: string | null,"done"?: boolean,"id"?: string,"title"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"sync_samples_manual": {
                  Row: {
                    "deleted_at": string | null,"done": boolean,"id": string,"title": string,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "deleted_at"?: string | null,"done"?: boolean,"id": string,"title": string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "deleted_at"?: string | null,"done"?: boolean,"id"?: string,"title"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"wallet_accounts": {
                  Row: {
                    "app_id": Database["public"]['Enums']["app_id"],"balance": number,"created_at": string,"currency": string,"id": string,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "app_id": Database["public"]['Enums']["app_id"],"balance"?: number,"created_at"?: string,"currency": string,"id"?: string,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "app_id"?: Database["public"]['Enums']["app_id"],"balance"?: number,"created_at"?: string,"currency"?: string,"id"?: string,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "wallet_accounts_currency_fkey"
      columns: ["app_id","currency"]
isOneToOne: false
      referencedRelation: "wallet_currencies"
      referencedColumns: ["app_id","currency"]
    }
                  ]
                },"wallet_currencies": {
                  Row: {
                    "app_id": Database["public"]['Enums']["app_id"],"currency": string,"name": string,"name_zh": string
                  }
                  ComputedFields: never
                  Insert: {
                    "app_id": Database["public"]['Enums']["app_id"],"currency": string,"name": string,"name_zh": string
                  }
                  Update: {
                    "app_id"?: Database["public"]['Enums']["app_id"],"currency"?: string,"name"?: string,"name_zh"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "wallet_currencies_app_id_fkey"
      columns: ["app_id"]
isOneToOne: false
      referencedRelation: "apps"
      referencedColumns: ["id"]
    }
                  ]
                },"wallet_entries": {
                  Row: {
                    "account_id": string,"amount": number,"app_id": Database["public"]['Enums']["app_id"],"balance_after": number,"created_at": string,"currency": string,"id": number,"idempotency_key": string,"kind": string,"period": string | null,"reason": string,"ref_id": string | null,"ref_type": string | null,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "account_id": string,"amount": number,"app_id": Database["public"]['Enums']["app_id"],"balance_after": number,"created_at"?: string,"currency": string,"id"?: never,"idempotency_key": string,"kind": string,"period"?: string | null,"reason": string,"ref_id"?: string | null,"ref_type"?: string | null,"user_id": string
                  }
                  Update: {
                    "account_id"?: string,"amount"?: number,"app_id"?: Database["public"]['Enums']["app_id"],"balance_after"?: number,"created_at"?: string,"currency"?: string,"id"?: never,"idempotency_key"?: string,"kind"?: string,"period"?: string | null,"reason"?: string,"ref_id"?: string | null,"ref_type"?: string | null,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "wallet_entries_account_id_fkey"
      columns: ["account_id"]
isOneToOne: false
      referencedRelation: "wallet_accounts"
      referencedColumns: ["id"]
    }
                  ]
                }
          }
          Views: {
            "entitlements": {
                  Row: {
                    "app_id": Database["public"]['Enums']["app_id"],"expires_at": string | null,"is_vip": boolean | null,"plan": string | null,"user_id": string,"will_renew": boolean | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                }
          }
          Functions: {
            "app_config_derived":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"] }; Returns: Json
                           },
"commerce_apply_purchase":
{ Args: { "p_order_id"?: string,"p_price"?: number,"p_price_currency"?: string,"p_product_id": string,"p_purchased_at": string,"p_quantity"?: number,"p_store": string,"p_transaction_id": string,"p_user_id": string }; Returns: {
              "app_id": Database["public"]['Enums']["app_id"],
"created_at": string,
"granted_amount": number,
"id": string,
"idempotency_key": string | null,
"paid_at": string | null,
"price": number | null,
"price_currency": string | null,
"product_id": string,
"quantity": number,
"refunded_at": string | null,
"status": string,
"store": string | null,
"store_transaction_id": string | null,
"updated_at": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "orders"
        isOneToOne: true
        isSetofReturn: false
      } },
"commerce_apply_refund":
{ Args: { "p_refunded_at": string,"p_store": string,"p_transaction_id": string }; Returns: {
              "app_id": Database["public"]['Enums']["app_id"],
"created_at": string,
"granted_amount": number,
"id": string,
"idempotency_key": string | null,
"paid_at": string | null,
"price": number | null,
"price_currency": string | null,
"product_id": string,
"quantity": number,
"refunded_at": string | null,
"status": string,
"store": string | null,
"store_transaction_id": string | null,
"updated_at": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "orders"
        isOneToOne: true
        isSetofReturn: false
      } },
"commerce_apply_subscription":
{ Args: { "p_event_at": string,"p_grant_period"?: boolean,"p_original_transaction_id": string,"p_period_end": string,"p_period_start": string,"p_product_id": string,"p_source": string,"p_status": string,"p_store": string,"p_user_id": string,"p_will_renew": boolean }; Returns: Json
                           },
"commerce_transfer_subscriptions":
{ Args: { "p_event_at": string,"p_from_user": string,"p_source": string,"p_to_user": string }; Returns: number
                           },
"create_order":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"],"p_idempotency_key"?: string,"p_product_id": string,"p_quantity"?: number }; Returns: {
              "app_id": Database["public"]['Enums']["app_id"],
"created_at": string,
"granted_amount": number,
"id": string,
"idempotency_key": string | null,
"paid_at": string | null,
"price": number | null,
"price_currency": string | null,
"product_id": string,
"quantity": number,
"refunded_at": string | null,
"status": string,
"store": string | null,
"store_transaction_id": string | null,
"updated_at": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "orders"
        isOneToOne: true
        isSetofReturn: false
      } },
"list_my_sessions":
{ Args: Record<PropertyKey, never>; Returns: {
              "aal": string,"created_at": string,"current": boolean,"id": string,"ip": string,"refreshed_at": string,"updated_at": string,"user_agent": string
            }[]
                           },
"product_for_store":
{ Args: { "p_store": string,"p_store_product_id": string }; Returns: {
              "active": boolean,
"app_id": Database["public"]['Enums']["app_id"],
"app_store_product_id": string | null,
"created_at": string,
"currency": string | null,
"grant_amount": number,
"id": string,
"kind": string,
"plan": string | null,
"play_store_product_id": string | null,
"price_hint": string | null,
"title": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "products"
        isOneToOne: true
        isSetofReturn: false
      } },
"register_device":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"],"p_app_version"?: string,"p_installation_id": string,"p_locale"?: string,"p_model"?: string,"p_os_version"?: string,"p_platform": string,"p_push_token"?: string,"p_push_vendor"?: string,"p_timezone"?: string }; Returns: {
              "app_id": Database["public"]['Enums']["app_id"],
"app_version": string | null,
"created_at": string,
"id": string,
"installation_id": string,
"last_seen_at": string,
"locale": string | null,
"model": string | null,
"os_version": string | null,
"platform": string,
"push_token": string | null,
"push_vendor": string | null,
"timezone": string | null,
"updated_at": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "devices"
        isOneToOne: true
        isSetofReturn: false
      } },
"revoke_my_session":
{ Args: { "p_session_id": string }; Returns: boolean
                           },
"sync_history":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"],"p_before_at"?: string,"p_before_id"?: string,"p_limit"?: number }; Returns: {
              "created_at": string,"device_id": string,"mutation_id": string,"op": string,"row_id": string,"status": string,"table_name": string,"version": number
            }[]
                           },
"sync_import_batches":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"],"p_source": string }; Returns: {
              "batch_no": number,"created_at": string,"imported": number,"rejected": number,"skipped": number
            }[]
                           },
"sync_import_begin":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"],"p_batch_no": number,"p_digest": string,"p_source": string }; Returns: Json
                           },
"sync_import_finish":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"],"p_batch_no": number,"p_digest": string,"p_report": Json,"p_source": string }; Returns: undefined
                           },
"sync_import_row":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"],"p_row": Json,"p_table": string }; Returns: Json
                           },
"sync_pull":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"],"p_cursor": number,"p_limit"?: number,"p_tables"?: (string)[] }; Returns: unknown[]
                          SetofOptions: {
        from: "*"
        to: "sync_change"
        isOneToOne: false
        isSetofReturn: true
      } },
"sync_push_mutation":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"],"p_base_version": number,"p_device_id": string,"p_mutation_id": string,"p_op": string,"p_row": Json,"p_table": string }; Returns: Json
                           },
"sync_status":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"] }; Returns: {
              "device_id": string,"last_pull_at": string,"last_pull_cursor": number,"last_push_at": string,"pending_conflicts": Json,"server_version": number
            }[]
                           },
"sync_touch_device":
{ Args: { "p_app_id": Database["public"]['Enums']["app_id"],"p_device_id": string,"p_pulled_through"?: number }; Returns: undefined
                           },
"wallet_consume":
{ Args: { "p_amount": number,"p_app_id": Database["public"]['Enums']["app_id"],"p_currency": string,"p_idempotency_key": string,"p_reason": string,"p_ref_id"?: string,"p_ref_type"?: string,"p_user_id": string }; Returns: Json
                           },
"wallet_post":
{ Args: { "p_amount": number,"p_app_id": Database["public"]['Enums']["app_id"],"p_currency": string,"p_idempotency_key": string,"p_kind": string,"p_period"?: string,"p_reason": string,"p_ref_id"?: string,"p_ref_type"?: string,"p_user_id": string }; Returns: {
              "account_id": string,
"amount": number,
"app_id": Database["public"]['Enums']["app_id"],
"balance_after": number,
"created_at": string,
"currency": string,
"id": number,
"idempotency_key": string,
"kind": string,
"period": string | null,
"reason": string,
"ref_id": string | null,
"ref_type": string | null,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "wallet_entries"
        isOneToOne: true
        isSetofReturn: false
      } }
          }
          Enums: {
            "app_id": "coach"|"companion"|"quit"|"diary"|"pickitchen"
          }
          CompositeTypes: {
            [_ in never]: never
          }
        },"quit": {
          Tables: {
            "achievements": {
                  Row: {
                    "active": boolean,"category": string,"created_at": string,"description": NonNullable<Json>,"icon": string,"key": string,"name": NonNullable<Json>,"points": number,"rule": NonNullable<Json>,"sort": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "active"?: boolean,"category": string,"created_at"?: string,"description": NonNullable<Json>,"icon": string,"key": string,"name": NonNullable<Json>,"points"?: number,"rule": NonNullable<Json>,"sort"?: number,"updated_at"?: string
                  }
                  Update: {
                    "active"?: boolean,"category"?: string,"created_at"?: string,"description"?: NonNullable<Json>,"icon"?: string,"key"?: string,"name"?: NonNullable<Json>,"points"?: number,"rule"?: NonNullable<Json>,"sort"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    
                  ]
                },"checkins": {
                  Row: {
                    "checked_in_at": string | null,"checkin_date": string,"created_at": string,"deleted_at": string | null,"id": string,"is_checked_in": boolean,"mood": string | null,"note": string | null,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "checked_in_at"?: string | null,"checkin_date": string,"created_at"?: string,"deleted_at"?: string | null,"id": string,"is_checked_in"?: boolean,"mood"?: string | null,"note"?: string | null,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "checked_in_at"?: string | null,"checkin_date"?: string,"created_at"?: string,"deleted_at"?: string | null,"id"?: string,"is_checked_in"?: boolean,"mood"?: string | null,"note"?: string | null,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"notifications": {
                  Row: {
                    "body": string | null,"created_at": string,"data": NonNullable<Json>,"deleted_at": string | null,"id": string,"kind": string,"read_at": string | null,"title": string,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "body"?: string | null,"created_at"?: string,"data"?: NonNullable<Json>,"deleted_at"?: string | null,"id"?: string,"kind": string,"read_at"?: string | null,"title": string,"updated_at"?: string,"user_id": string,"version"?: number
                  }
                  Update: {
                    "body"?: string | null,"created_at"?: string,"data"?: NonNullable<Json>,"deleted_at"?: string | null,"id"?: string,"kind"?: string,"read_at"?: string | null,"title"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"profiles": {
                  Row: {
                    "avatar_path": string | null,"cigarettes_per_day": number,"created_at": string,"currency": string,"deleted_at": string | null,"display_name": string | null,"id": string,"locale": string,"price_per_cigarette": number,"quit_at": string,"quit_reason": string | null,"timezone": string,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "avatar_path"?: string | null,"cigarettes_per_day": number,"created_at"?: string,"currency"?: string,"deleted_at"?: string | null,"display_name"?: string | null,"id": string,"locale"?: string,"price_per_cigarette"?: number,"quit_at": string,"quit_reason"?: string | null,"timezone"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "avatar_path"?: string | null,"cigarettes_per_day"?: number,"created_at"?: string,"currency"?: string,"deleted_at"?: string | null,"display_name"?: string | null,"id"?: string,"locale"?: string,"price_per_cigarette"?: number,"quit_at"?: string,"quit_reason"?: string | null,"timezone"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"settings": {
                  Row: {
                    "deleted_at": string | null,"id": string,"notify_achievements": boolean,"notify_encouragement": boolean,"notify_milestones": boolean,"quiet_hours_end": string | null,"quiet_hours_start": string | null,"reminder_enabled": boolean,"reminder_time": string,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "deleted_at"?: string | null,"id": string,"notify_achievements"?: boolean,"notify_encouragement"?: boolean,"notify_milestones"?: boolean,"quiet_hours_end"?: string | null,"quiet_hours_start"?: string | null,"reminder_enabled"?: boolean,"reminder_time"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "deleted_at"?: string | null,"id"?: string,"notify_achievements"?: boolean,"notify_encouragement"?: boolean,"notify_milestones"?: boolean,"quiet_hours_end"?: string | null,"quiet_hours_start"?: string | null,"reminder_enabled"?: boolean,"reminder_time"?: string,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"smoking_records": {
                  Row: {
                    "cigarettes_smoked": number,"created_at": string,"deleted_at": string | null,"id": string,"location": Json | null,"note": string | null,"smoked_at": string,"trigger_tags": (string)[],"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "cigarettes_smoked": number,"created_at"?: string,"deleted_at"?: string | null,"id": string,"location"?: Json | null,"note"?: string | null,"smoked_at": string,"trigger_tags"?: (string)[],"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Update: {
                    "cigarettes_smoked"?: number,"created_at"?: string,"deleted_at"?: string | null,"id"?: string,"location"?: Json | null,"note"?: string | null,"smoked_at"?: string,"trigger_tags"?: (string)[],"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    
                  ]
                },"user_achievements": {
                  Row: {
                    "achievement_key": string,"created_at": string,"deleted_at": string | null,"id": string,"progress": number,"unlocked_at": string | null,"updated_at": string,"user_id": string,"version": number
                  }
                  ComputedFields: never
                  Insert: {
                    "achievement_key": string,"created_at"?: string,"deleted_at"?: string | null,"id": string,"progress"?: number,"unlocked_at"?: string | null,"updated_at"?: string,"user_id": string,"version"?: number
                  }
                  Update: {
                    "achievement_key"?: string,"created_at"?: string,"deleted_at"?: string | null,"id"?: string,"progress"?: number,"unlocked_at"?: string | null,"updated_at"?: string,"user_id"?: string,"version"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "user_achievements_achievement_key_fkey"
      columns: ["achievement_key"]
isOneToOne: false
      referencedRelation: "achievements"
      referencedColumns: ["key"]
    }
                  ]
                }
          }
          Views: {
            [_ in never]: never
          }
          Functions: {
            "assert_caller":
{ Args: { "p_user_id": string }; Returns: undefined
                           },
"checkin_runs":
{ Args: { "p_through": string,"p_user_id": string }; Returns: {
              "days": number,"first_day": string,"last_day": string
            }[]
                           },
"checkin_stats":
{ Args: { "p_from": string,"p_to": string,"p_user_id": string }; Returns: Json
                           },
"current_streak":
{ Args: { "p_today": string,"p_user_id": string }; Returns: number
                           },
"delete_user_data":
{ Args: { "p_user_id": string }; Returns: Json
                           },
"evaluate_achievements":
{ Args: { "p_user_id": string }; Returns: Json
                           },
"local_range":
{ Args: { "p_from": string,"p_to": string }; Returns: number
                           },
"lock_user":
{ Args: { "p_user_id": string }; Returns: undefined
                           },
"row_id":
{ Args: { "p_key": string,"p_user_id": string }; Returns: string
                           },
"rule_progress":
{ Args: { "p_metrics": Json,"p_rule": Json }; Returns: Json
                           },
"smoking_stats":
{ Args: { "p_from": string,"p_to": string,"p_user_id": string }; Returns: Json
                           },
"trigger_tag_vocabulary":
{ Args: Record<PropertyKey, never>; Returns: (string)[]
                           },
"user_metrics":
{ Args: { "p_at"?: string,"p_user_id": string }; Returns: Json
                           },
"user_timezone":
{ Args: { "p_user_id": string }; Returns: string
                           },
"valid_i18n":
{ Args: { "p_text": Json }; Returns: boolean
                           },
"valid_rule":
{ Args: { "p_rule": Json }; Returns: boolean
                           },
"valid_trigger_tags":
{ Args: { "p_tags": (string)[] }; Returns: boolean
                           }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        }
}

type DatabaseWithoutInternals = Omit<Database, '__InternalSupabase'>

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
  ? (DefaultSchema["Tables"] & DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
      Row: infer R
    }
    ? R
    : never
  : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Insert: infer I
    }
    ? I
    : never
  : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Update: infer U
    }
    ? U
    : never
  : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never = never
> = DefaultSchemaEnumNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
  ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
  : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never = never
> = PublicCompositeTypeNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
  ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
  : never

export const Constants = {
  "coach": {
          Enums: {
            
          }
        },"companion": {
          Enums: {
            
          }
        },"diary": {
          Enums: {
            
          }
        },"pickitchen": {
          Enums: {
            
          }
        },"public": {
          Enums: {
            "app_id": ["coach", "companion", "quit", "diary", "pickitchen"]
          }
        },"quit": {
          Enums: {
            
          }
        }
} as const
